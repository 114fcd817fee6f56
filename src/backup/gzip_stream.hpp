#pragma once
// zlib's gzip format over data that arrives in pieces (volume archives on their way to and from
// the object store), with bounded buffers.
#include <memory>
#include <string>
#include <string_view>

namespace dokkerr::backup {

class GzipCompressor {
 public:
  GzipCompressor();
  ~GzipCompressor();
  GzipCompressor(const GzipCompressor&) = delete;
  GzipCompressor& operator=(const GzipCompressor&) = delete;
  // Compressed bytes ready so far (possibly none).
  std::string update(std::string_view input);
  std::string finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class GzipDecompressor {
 public:
  GzipDecompressor();
  ~GzipDecompressor();
  GzipDecompressor(const GzipDecompressor&) = delete;
  GzipDecompressor& operator=(const GzipDecompressor&) = delete;
  // Error{invalid, "backup_corrupt"} for data that is not gzip or goes on after its end.
  std::string update(std::string_view input);
  // Error{invalid, "backup_corrupt"} when the gzip stream did not end (truncated).
  void finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace dokkerr::backup
