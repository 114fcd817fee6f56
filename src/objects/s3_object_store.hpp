#pragma once
// Objects in any S3 API (AWS, MinIO, Ceph, s3rver…), over libcurl with its built-in SigV4 signer.
// Nothing holds a whole object in memory: a writer sends what it is given in parts of
// part_size (one PUT when the object fits one part, a multipart upload otherwise, aborted when
// the writer is), a reader hands each received piece on. Connection failures, 5xx and 429 are
// retried with doubling waits; a download resumes where it stopped (Range).
#include "objects/object_store.hpp"

#include <chrono>
#include <filesystem>
#include <functional>

namespace dokkerr::objects {

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional (temporary credentials)
};

struct S3Config {
  std::string endpoint;  // scheme://host[:port], e.g. https://s3.eu-west-1.amazonaws.com
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;       // "" or ending with '/': every key is stored under it
  bool path_style = false;  // endpoint/bucket/key instead of bucket.endpoint/key
  S3Credentials credentials;
  std::size_t part_size = std::size_t{8} << 20U;  // 5 MiB–512 MiB
  int attempts = 5;
  std::chrono::milliseconds first_retry_wait{250};
  long connect_timeout_ms = 10'000;
  long stall_seconds = 60;  // a transfer moving less than 1 byte/s this long has failed
};

// Reads what to look up in the environment (AWS_ACCESS_KEY_ID, …); tests pass their own.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string&)>;

// s3://bucket[/prefix][?endpoint=URL&region=R&path_style=true&credentials_file=PATH&profile=P]
// Missing pieces come from AWS_ENDPOINT_URL, AWS_REGION / AWS_DEFAULT_REGION; credentials from
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else from the credentials file
// (credentials_file=, else AWS_SHARED_CREDENTIALS_FILE) in the AWS ini format, section
// [profile or AWS_PROFILE or default]. Error{invalid, "invalid_object_store"} naming what is wrong.
S3Config parse_s3_url(std::string_view url, const EnvironmentLookup& env);

class S3ObjectStore final : public ObjectStore {
 public:
  explicit S3ObjectStore(S3Config config);

  [[nodiscard]] std::string describe() const override;
  std::unique_ptr<ObjectWriter> create(std::string_view key) override;
  // One streamed PUT of the file (multipart above 5 GiB).
  ObjectInfo put_file(std::string_view key, const std::filesystem::path& file) override;
  void get(std::string_view key, const ObjectSink& sink) override;
  std::optional<ObjectInfo> head(std::string_view key) override;
  ObjectPage list(std::string_view prefix, std::optional<std::string> cursor,
                  std::size_t limit) override;
  void remove(std::string_view key) override;
  std::size_t drop_abandoned_uploads(std::string_view prefix,
                                     std::int64_t older_than_unix) override;

 private:
  std::shared_ptr<const class S3Transport> transport_;  // shared with open writers
};

}  // namespace dokkerr::objects
