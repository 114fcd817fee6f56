#pragma once
// Moving archives between an engine and the object store without holding them in memory: an
// engine's answer (a volume's tar, `docker save`) gzip'd into an object; an object checked against
// its recorded size and SHA-256 into a local file; that file unzipped into an engine's upload.
// Compression, hashing, disk and store I/O run on the blocking pool, a megabyte at a time.
#include "core/blocking_pool.hpp"
#include "objects/object_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace dokkerr::docker {
class EngineStream;
class EngineUpload;
}  // namespace dokkerr::docker

namespace dokkerr::backup {

struct PackedArchive {
  std::int64_t size = 0;  // of the gzip'd object
  std::string sha256;
};

boost::asio::awaitable<PackedArchive> pack_into(docker::EngineStream& source,
                                                objects::ObjectWriter& writer, BlockingPool& pool);

// Error{invalid, "backup_corrupt"} when the object is not what was recorded.
boost::asio::awaitable<void> fetch_verified(objects::ObjectStore& store, std::string key,
                                            std::int64_t size, std::string sha256,
                                            std::filesystem::path file, BlockingPool& pool);

boost::asio::awaitable<void> unpack_into(const std::filesystem::path& file,
                                         docker::EngineUpload& upload, BlockingPool& pool);

// A temporary file path that removes the file when it goes.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::string_view purpose);
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile();
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace dokkerr::backup
