#pragma once
// Parsers for the engine's streamed bodies. Pure, incremental (feed any split of the bytes),
// bounded, and fuzzable.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::docker {

// The stdout/stderr multiplexing of logs and attach without TTY:
// [stream:1][0 0 0][size:4 big-endian][payload].
enum class StreamKind : std::uint8_t { stdin_ = 0, stdout_ = 1, stderr_ = 2, system = 3 };

struct Frame {
  StreamKind stream;
  std::string payload;
};

class FrameDemuxer {
 public:
  explicit FrameDemuxer(std::size_t max_frame = 16U * 1024U * 1024U) : max_frame_(max_frame) {}
  // Appends bytes; returns every frame completed by them. Throws Error{bad_gateway,
  // "engine_stream_invalid"} on an unknown stream byte or a frame above max_frame.
  std::vector<Frame> feed(std::string_view bytes);
  [[nodiscard]] std::size_t buffered() const { return buffer_.size(); }

 private:
  std::size_t max_frame_;
  std::string buffer_;
};

// Newline-delimited JSON (events, pull progress, stats): splits into complete lines, skipping
// empty ones. Throws Error{bad_gateway,"engine_stream_invalid"} when a line exceeds max_line.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line = 4U * 1024U * 1024U) : max_line_(max_line) {}
  std::vector<std::string> feed(std::string_view bytes);
  // The final line without a trailing newline, if any.
  std::string finish();

 private:
  std::size_t max_line_;
  std::string buffer_;
};

}  // namespace dokkerr::docker
