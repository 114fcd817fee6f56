#pragma once
// Where an uploaded tarball waits, whole, before an engine reads it: the engine never sees a
// half-sent upload or the client's pace, and no upload is held in memory. Implemented over the
// object store (app/); the tests of the engine calls use none and read the body into memory.
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace dokkerr::containers {

// The next piece of an upload; an empty one ends it. The view lasts until the next call.
using UploadSource = std::function<boost::asio::awaitable<std::string_view>()>;
// Takes one piece of a kept upload, in order.
using UploadSink = std::function<boost::asio::awaitable<void>(std::string)>;

struct KeptUpload {
  std::string name;
  std::uint64_t size = 0;
};

class UploadSpool {
 public:
  virtual ~UploadSpool() = default;
  // Keeps every piece of `source` under a new name. Nothing is kept when it fails.
  virtual boost::asio::awaitable<KeptUpload> keep(UploadSource source) = 0;
  // Hands a kept upload to `sink`, piece by piece.
  virtual boost::asio::awaitable<void> replay(const KeptUpload& upload, UploadSink sink) = 0;
  // Drops a kept upload; logs rather than throws (the answer does not depend on it).
  virtual boost::asio::awaitable<void> discard(const KeptUpload& upload) = 0;
};

}  // namespace dokkerr::containers
