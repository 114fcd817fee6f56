#include "backup/gzip_stream.hpp"

#include "core/error.hpp"

#include <array>
#include <zlib.h>

namespace dokkerr::backup {
namespace {

constexpr std::size_t kOut = 256U * 1024U;

Error corrupt(std::string internal) {
  return {ErrorKind::invalid, "backup_corrupt",
          "The backup archive is damaged or incomplete; nothing was changed.", std::move(internal)};
}

Bytef* in_bytes(std::string_view input) {
  return reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
}

}  // namespace

struct GzipCompressor::State {
  z_stream z{};
};

GzipCompressor::GzipCompressor() : state_(std::make_unique<State>()) {
  // Level 1: volume archives are large and often already compressed; speed matters more.
  if (deflateInit2(&state_->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error::internal_error("deflateInit2 failed");
  }
}

GzipCompressor::~GzipCompressor() {
  deflateEnd(&state_->z);
}

namespace {
std::string run_deflate(z_stream& z, std::string_view input, int flush) {
  std::string out;
  std::array<char, kOut> buffer{};
  z.next_in = in_bytes(input);
  z.avail_in = static_cast<uInt>(input.size());
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buffer.data());
    z.avail_out = static_cast<uInt>(buffer.size());
    const int rc = deflate(&z, flush);
    if (rc == Z_STREAM_ERROR) throw Error::internal_error("deflate failed");
    out.append(buffer.data(), buffer.size() - z.avail_out);
    if (flush == Z_FINISH ? rc == Z_STREAM_END : (z.avail_in == 0 && z.avail_out != 0)) break;
  }
  return out;
}
}  // namespace

std::string GzipCompressor::update(std::string_view input) {
  return run_deflate(state_->z, input, Z_NO_FLUSH);
}

std::string GzipCompressor::finish() {
  return run_deflate(state_->z, {}, Z_FINISH);
}

struct GzipDecompressor::State {
  z_stream z{};
  bool ended = false;
};

GzipDecompressor::GzipDecompressor() : state_(std::make_unique<State>()) {
  if (inflateInit2(&state_->z, 15 + 16) != Z_OK) throw Error::internal_error("inflateInit2 failed");
}

GzipDecompressor::~GzipDecompressor() {
  inflateEnd(&state_->z);
}

std::string GzipDecompressor::update(std::string_view input) {
  auto& z = state_->z;
  std::string out;
  if (input.empty()) return out;
  if (state_->ended) throw corrupt("data after the end of the gzip stream");
  std::array<char, kOut> buffer{};
  z.next_in = in_bytes(input);
  z.avail_in = static_cast<uInt>(input.size());
  // Until the input is used up and the output buffer was not filled (no output left inside).
  do {
    z.next_out = reinterpret_cast<Bytef*>(buffer.data());
    z.avail_out = static_cast<uInt>(buffer.size());
    const int rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      throw corrupt(std::string("gzip: ") + (z.msg ? z.msg : "inflate failed"));
    }
    out.append(buffer.data(), buffer.size() - z.avail_out);
    if (rc == Z_STREAM_END) state_->ended = true;
    if (rc == Z_BUF_ERROR) break;  // no progress possible without more input
  } while (!state_->ended && (z.avail_in > 0 || z.avail_out == 0));
  if (state_->ended && z.avail_in > 0) throw corrupt("data after the end of the gzip stream");
  return out;
}

void GzipDecompressor::finish() const {
  if (!state_->ended) throw corrupt("gzip stream truncated");
}

}  // namespace dokkerr::backup
