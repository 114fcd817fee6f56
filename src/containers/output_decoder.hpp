#pragma once
// What a container's process writes, as the engine hands it over (logs, exec): multiplexed
// stdout/stderr frames, or the raw bytes of a TTY, which are all stdout.
#include "docker/streams.hpp"

#include <string_view>
#include <vector>

namespace dokkerr::containers {

class OutputDecoder {
 public:
  explicit OutputDecoder(bool tty) : tty_(tty) {}

  // The output completed by these bytes. Throws Error bad_gateway "engine_stream_invalid" on
  // frames the engine could not have sent.
  std::vector<docker::Frame> feed(std::string_view bytes) {
    if (!tty_) return demuxer_.feed(bytes);
    std::vector<docker::Frame> out;
    out.push_back(docker::Frame{docker::StreamKind::stdout_, std::string(bytes)});
    return out;
  }

 private:
  bool tty_;
  docker::FrameDemuxer demuxer_;
};

}  // namespace dokkerr::containers
