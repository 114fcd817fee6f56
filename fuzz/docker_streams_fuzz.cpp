// libFuzzer target for the engine stream parsers (src/docker/streams.cpp): the bytes of logs,
// attach and events come straight from the engine, and the parsers must give the same answer
// however the network splits them.
//
// Input layout: byte 0 picks the limits (small ones reach the oversize paths), byte 1 seeds the
// split sizes, the rest is the stream. Each parser is fed three ways: whole, one byte at a time,
// and in pseudo-random pieces. Any difference, or a result breaking the documented contract,
// aborts.
#include "core/error.hpp"
#include "docker/streams.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using dokkerr::docker::Frame;
using dokkerr::docker::FrameDemuxer;
using dokkerr::docker::LineSplitter;

void check(bool ok) {
  if (!ok) std::abort();
}

// The cut points of one feeding strategy: 0 = whole, 1 = byte by byte, 2 = seeded pieces.
std::vector<std::string_view> pieces(std::string_view data, int how, std::uint8_t seed) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  std::uint32_t state = seed * 2654435761U + 1U;
  while (pos < data.size()) {
    std::size_t n = data.size() - pos;
    if (how == 1) n = 1;
    if (how == 2) {
      state = state * 1664525U + 1013904223U;
      n = std::min<std::size_t>(n, 1 + (state >> 24U) % 17U);
    }
    out.push_back(data.substr(pos, n));
    pos += n;
  }
  return out;
}

struct FrameRun {
  std::vector<std::pair<int, std::string>> frames;
  bool threw = false;
  std::size_t buffered = 0;
};

FrameRun run_demuxer(std::string_view data, int how, std::uint8_t seed, std::size_t max_frame) {
  FrameRun r;
  FrameDemuxer d(max_frame);
  try {
    for (const auto piece : pieces(data, how, seed)) {
      for (Frame& f : d.feed(piece)) {
        check(f.payload.size() <= max_frame);
        check(static_cast<int>(f.stream) <= 3);
        r.frames.emplace_back(static_cast<int>(f.stream), std::move(f.payload));
      }
    }
    r.buffered = d.buffered();
  } catch (const dokkerr::Error& e) {
    check(e.code() == "engine_stream_invalid");
    r.threw = true;
  }
  return r;
}

struct LineRun {
  std::vector<std::string> lines;
  bool threw = false;
};

LineRun run_splitter(std::string_view data, int how, std::uint8_t seed, std::size_t max_line) {
  LineRun r;
  LineSplitter s(max_line);
  try {
    for (const auto piece : pieces(data, how, seed)) {
      for (std::string& line : s.feed(piece)) {
        check(!line.empty());
        check(line.size() <= max_line);
        check(line.find('\n') == std::string::npos);
        r.lines.push_back(std::move(line));
      }
    }
    r.lines.push_back(s.finish());
    check(r.lines.back().size() <= max_line + 1);
  } catch (const dokkerr::Error& e) {
    check(e.code() == "engine_stream_invalid");
    r.threw = true;
  }
  return r;
}

template <class T>
bool is_prefix(const std::vector<T>& prefix, const std::vector<T>& of) {
  return prefix.size() <= of.size() && std::equal(prefix.begin(), prefix.end(), of.begin());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* raw, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t limits = raw[0];
  const std::uint8_t seed = raw[1];
  const std::string_view data(reinterpret_cast<const char*>(raw) + 2, size - 2);
  const std::size_t max_frame = (limits & 0x80U) != 0 ? 16U * 1024U * 1024U : limits % 64U;
  const std::size_t max_line = (limits & 0x40U) != 0 ? 4U * 1024U * 1024U : limits % 32U + 1U;

  // Byte by byte is the reference: it sees every frame that completes before an error. A run
  // that throws keeps only the frames of the feeds before the failing one, hence "prefix".
  const FrameRun ref = run_demuxer(data, 1, seed, max_frame);
  for (const int how : {0, 2}) {
    const FrameRun r = run_demuxer(data, how, seed, max_frame);
    check(r.threw == ref.threw);
    if (ref.threw) {
      check(is_prefix(r.frames, ref.frames));
    } else {
      check(r.frames == ref.frames);
      check(r.buffered == ref.buffered);
    }
  }

  const LineRun lref = run_splitter(data, 1, seed, max_line);
  for (const int how : {0, 2}) {
    const LineRun r = run_splitter(data, how, seed, max_line);
    check(r.threw == lref.threw);
    if (lref.threw) {
      check(is_prefix(r.lines, lref.lines));
    } else {
      check(r.lines == lref.lines);
    }
  }
  return 0;
}
