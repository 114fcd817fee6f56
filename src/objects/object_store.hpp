#pragma once
// Where Dokkerr keeps files that do not belong in the database: backups, uploads, archived logs.
// One interface, two backends: a directory under the data dir (the embedded default) and any
// S3 API. Calls block (disk or network): run them on the BlockingPool, never on an I/O thread.
//
// Keys are relative paths: 1–1024 bytes of printable ASCII (no space) without '\', made of
// non-empty '/'-separated segments none of which starts with '.' (so no "..", and the local
// backend's own ".uploads" never collides). Anything else is Error{invalid, "invalid_object_key"}.
// Dokkerr makes its keys itself; the rule keeps a key the same file on disk and in S3.
//
// Errors every backend raises with the same code:
//   not_found   "object_not_found"          get/head of a key that is not there
//   invalid     "invalid_object_key"        a key outside the rule above
//   unavailable "object_store_unavailable"  disk or server failed after the retries
//   bad_gateway "object_store_bad_answer"   the server answered something unusable
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::objects {

struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::int64_t modified_unix = 0;  // seconds
};

struct ObjectPage {
  std::vector<ObjectInfo> items;           // in key order
  std::optional<std::string> next_cursor;  // pass back to continue after the last item
};

// An object being written. Nothing is visible under the key until commit() returns; an object
// abandoned without commit() (abort, destructor, crash) never appears as complete.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual void write(std::string_view bytes) = 0;
  virtual ObjectInfo commit() = 0;
  // Drops what was written (the S3 backend aborts its multipart upload). Never throws.
  virtual void abort() noexcept = 0;
};

// Receives an object's bytes in order, in pieces of any size.
using ObjectSink = std::function<void(std::string_view)>;

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // "file:///…" or "s3://bucket/prefix" (never credentials): for logs and manifests.
  [[nodiscard]] virtual std::string describe() const = 0;

  virtual std::unique_ptr<ObjectWriter> create(std::string_view key) = 0;
  virtual void get(std::string_view key, const ObjectSink& sink) = 0;
  virtual std::optional<ObjectInfo> head(std::string_view key) = 0;
  // Keys starting with prefix, in key order, after cursor (exclusive), at most limit (1–1000).
  virtual ObjectPage list(std::string_view prefix, std::optional<std::string> cursor,
                          std::size_t limit) = 0;
  // Removing a key that is not there succeeds.
  virtual void remove(std::string_view key) = 0;
  // Drops uploads begun before older_than_unix and never committed (a writer killed with its
  // process): S3 multipart uploads, temporary files on disk. Returns how many were dropped.
  virtual std::size_t drop_abandoned_uploads(std::string_view prefix,
                                             std::int64_t older_than_unix) = 0;

  // A local file as the object; backends may do better than streaming it through create().
  virtual ObjectInfo put_file(std::string_view key, const std::filesystem::path& file);

  // Conveniences over the streaming calls, for small objects (manifests, avatars).
  ObjectInfo put(std::string_view key, std::string_view bytes);
  std::string get_all(std::string_view key, std::size_t max_bytes);
};

// Throws Error{invalid, "invalid_object_key"} unless key follows the rule at the top.
void check_key(std::string_view key);

}  // namespace dokkerr::objects
