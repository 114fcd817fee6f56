#include "docker/streams.hpp"

#include "core/error.hpp"

namespace dokkerr::docker {

namespace {

constexpr std::size_t kFrameHeader = 8;

[[noreturn]] void invalid_stream(const std::string& why) {
  throw Error(ErrorKind::bad_gateway, "engine_stream_invalid",
              "The Docker engine sent a stream we cannot read.", why);
}

}  // namespace

std::vector<Frame> FrameDemuxer::feed(std::string_view bytes) {
  buffer_.append(bytes);
  std::vector<Frame> frames;
  // Consumed bytes are erased once at the end, so many small frames in one feed stay linear.
  std::size_t pos = 0;
  while (buffer_.size() - pos >= kFrameHeader) {
    const auto* h = reinterpret_cast<const unsigned char*>(buffer_.data() + pos);
    // Bytes 1-3 are always zero; checking them catches a raw (TTY) stream read as multiplexed
    // before it turns into a bogus multi-gigabyte frame size.
    if (h[0] > static_cast<unsigned char>(StreamKind::system) || h[1] != 0 || h[2] != 0 ||
        h[3] != 0) {
      buffer_.clear();
      invalid_stream("bad multiplexed stream header byte " + std::to_string(h[0]));
    }
    const std::size_t size = (std::size_t{h[4]} << 24U) | (std::size_t{h[5]} << 16U) |
                             (std::size_t{h[6]} << 8U) | std::size_t{h[7]};
    if (size > max_frame_) {
      buffer_.clear();
      invalid_stream("multiplexed frame of " + std::to_string(size) +
                     " bytes exceeds the limit of " + std::to_string(max_frame_));
    }
    if (buffer_.size() - pos - kFrameHeader < size) break;
    frames.push_back(
        Frame{static_cast<StreamKind>(h[0]), buffer_.substr(pos + kFrameHeader, size)});
    pos += kFrameHeader + size;
  }
  buffer_.erase(0, pos);
  return frames;
}

std::vector<std::string> LineSplitter::feed(std::string_view bytes) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  // Only the unfinished tail is kept in buffer_; complete lines are cut straight from `bytes`.
  while (start < bytes.size()) {
    const std::size_t nl = bytes.find('\n', start);
    if (nl == std::string_view::npos) break;
    std::string line = std::move(buffer_);
    buffer_.clear();
    line.append(bytes.substr(start, nl - start));
    start = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > max_line_) {
      invalid_stream("line of " + std::to_string(line.size()) + " bytes exceeds the limit of " +
                     std::to_string(max_line_));
    }
    if (!line.empty()) lines.push_back(std::move(line));
  }
  buffer_.append(bytes.substr(start));
  // An unfinished line is refused as soon as it is certainly too long, so memory stays bounded
  // however long the engine withholds the newline. One byte of slack: it may be the '\r' of CRLF.
  if (buffer_.size() > max_line_ && (buffer_.size() > max_line_ + 1 || buffer_.back() != '\r')) {
    const std::size_t size = buffer_.size();
    buffer_.clear();
    invalid_stream("unfinished line of " + std::to_string(size) + " bytes exceeds the limit of " +
                   std::to_string(max_line_));
  }
  return lines;
}

std::string LineSplitter::finish() {
  std::string line = std::move(buffer_);
  buffer_.clear();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace dokkerr::docker
