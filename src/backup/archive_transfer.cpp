#include "backup/archive_transfer.hpp"

#include "backup/gzip_stream.hpp"
#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "docker/client.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <fstream>
#include <optional>

namespace dokkerr::backup {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace boost::asio::experimental::awaitable_operators;

namespace {
constexpr std::size_t kPiece = std::size_t{1} << 20U;
}  // namespace

namespace {

// Reads at least kPiece bytes (or to the end) into `into`; false once the stream has ended.
asio::awaitable<bool> read_piece(docker::EngineStream& source, std::string& into) {
  while (into.size() < kPiece) {
    auto piece = co_await source.read_some();
    if (!piece) co_return false;
    into += *piece;
  }
  co_return true;
}

}  // namespace

asio::awaitable<PackedArchive> pack_into(docker::EngineStream& source,
                                         objects::ObjectWriter& writer, BlockingPool& pool) {
  GzipCompressor gzip;
  crypto::Sha256Stream sha;
  PackedArchive packed;
  std::string current;
  std::string next;
  auto pack = [&gzip, &sha, &packed, &writer](const std::string& raw, bool last) {
    auto bytes = gzip.update(raw);
    if (last) bytes += gzip.finish();
    if (bytes.empty()) return;
    sha.update(bytes);
    packed.size += static_cast<std::int64_t>(bytes.size());
    writer.write(bytes);
  };
  bool more = co_await read_piece(source, current);
  // While one megabyte is compressed and stored on the pool, the next one is read from the
  // engine: the two overlap as `tar | gzip` does.
  while (more) {
    auto pack_current = [&pack, &current] { pack(current, false); };
    more = co_await (pool.run(pack_current) && read_piece(source, next));
    current.swap(next);
    next.clear();
  }
  auto pack_last = [&pack, &current] { pack(current, true); };
  co_await pool.run(pack_last);
  packed.sha256 = sha.hex();
  co_return packed;
}

asio::awaitable<void> fetch_verified(objects::ObjectStore& store, std::string key,
                                     std::int64_t size, std::string sha256, fs::path file,
                                     BlockingPool& pool) {
  auto download = [&] {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
    crypto::Sha256Stream sha;
    std::int64_t got = 0;
    store.get(key, [&](std::string_view bytes) {
      got += static_cast<std::int64_t>(bytes.size());
      if (got > size) {
        throw Error{ErrorKind::invalid, "backup_corrupt",
                    "The stored backup differs from what was written; nothing was changed."};
      }
      sha.update(bytes);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    });
    if (!out.flush()) throw Error::internal_error("cannot write " + file.string());
    if (got != size || sha.hex() != sha256) {
      throw Error{ErrorKind::invalid, "backup_corrupt",
                  "The stored backup differs from what was written; nothing was changed."};
    }
  };
  co_await pool.run(download);
}

asio::awaitable<void> unpack_into(const fs::path& file, docker::EngineUpload& upload,
                                  BlockingPool& pool) {
  std::ifstream in(file, std::ios::binary);
  GzipDecompressor gunzip;
  std::string buffer(kPiece, '\0');
  for (;;) {
    auto read = [&in, &buffer, &gunzip]() -> std::optional<std::string> {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto got = static_cast<std::size_t>(in.gcount());
      if (got == 0) return std::nullopt;
      return gunzip.update(std::string_view(buffer.data(), got));
    };
    auto plain = co_await pool.run(read);
    if (!plain) break;
    co_await upload.write(std::move(*plain));
  }
  gunzip.finish();
}

TemporaryFile::TemporaryFile(std::string_view purpose)
    : path_(fs::temp_directory_path() / ("dokkerr-" + std::string(purpose) + "-" +
                                         crypto::hex_encode(crypto::random_bytes(8)))) {}

TemporaryFile::~TemporaryFile() {
  std::error_code ec;
  fs::remove(path_, ec);
}

}  // namespace dokkerr::backup
