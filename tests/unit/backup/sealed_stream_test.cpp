#include "backup/sealed_stream.hpp"

#include "backup/tar_pack.hpp"
#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace dokkerr::backup {
namespace {

namespace fs = std::filesystem;

const KdfParams kQuick{8192, 1, 1};

struct Sealed {
  std::string bytes;
  BackupKeys keys;
};

Sealed seal(std::string_view plaintext, std::size_t chunk = 64) {
  const std::string salt(16, 's');
  Sealed out{{}, derive_backup_keys("passphrase of some length", salt, kQuick)};
  SealedWriter writer(
      out.keys, salt, kQuick, [&](std::string_view b) { out.bytes.append(b); }, chunk);
  // Uneven pieces: chunking must not depend on how the writer is fed.
  for (std::size_t at = 0, step = 1; at < plaintext.size(); at += step, step = step * 2 + 1) {
    writer.write(plaintext.substr(at, step));
  }
  writer.finish();
  return out;
}

std::string open(const std::string& bytes, const std::string& key, std::size_t piece = 7) {
  std::string out;
  SealedReader reader(key, [&](std::string_view b) { out.append(b); });
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    reader.feed(std::string_view(bytes).substr(at, piece));
  }
  reader.finish();
  return out;
}

std::string code_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.code();
  }
  return "none";
}

TEST(SealedStream, RoundTripsAnySize) {
  for (const std::size_t size : {0U, 1U, 63U, 64U, 65U, 640U, 1000U}) {
    std::string plain(size, '\0');
    for (std::size_t i = 0; i < size; ++i) plain[i] = static_cast<char>(i * 7);
    const auto sealed = seal(plain);
    EXPECT_EQ(open(sealed.bytes, sealed.keys.archive), plain) << size;
    EXPECT_EQ(sealed.bytes.find(plain.substr(0, 32)),
              size < 32 ? sealed.bytes.find(plain.substr(0, 32)) : std::string::npos);
  }
}

TEST(SealedStream, DetectsTruncationAtEveryLength) {
  const auto sealed = seal(std::string(300, 'x'));
  for (std::size_t cut = 0; cut < sealed.bytes.size(); ++cut) {
    const auto code = code_of([&] { open(sealed.bytes.substr(0, cut), sealed.keys.archive); });
    EXPECT_EQ(code, "backup_corrupt") << "cut at " << cut;
  }
}

TEST(SealedStream, DetectsEveryFlippedByte) {
  const auto sealed = seal(std::string(200, 'y'));
  for (std::size_t i = 0; i < sealed.bytes.size(); ++i) {
    auto bytes = sealed.bytes;
    bytes[i] = static_cast<char>(bytes[i] ^ 0x01);
    const auto code = code_of([&] { open(bytes, sealed.keys.archive); });
    EXPECT_TRUE(code == "backup_corrupt" || code == "backup_passphrase_wrong") << i << " " << code;
  }
}

TEST(SealedStream, DetectsReorderedAndAppendedChunks) {
  const auto sealed = seal(std::string(64 * 3, 'z'));
  const std::size_t header = kSealedHeaderSize;
  const std::size_t chunk = 4 + 64 + 16;
  auto swapped = sealed.bytes;
  std::swap_ranges(swapped.begin() + static_cast<long>(header),
                   swapped.begin() + static_cast<long>(header + chunk),
                   swapped.begin() + static_cast<long>(header + chunk));
  EXPECT_NE(code_of([&] { open(swapped, sealed.keys.archive); }), "none");
  EXPECT_EQ(code_of([&] {
              open(sealed.bytes + sealed.bytes.substr(header, chunk), sealed.keys.archive);
            }),
            "backup_corrupt");
}

TEST(SealedStream, WrongKeyIsWrongPassphrase) {
  const auto sealed = seal("secret content");
  const auto other =
      derive_backup_keys("another passphrase entirely", std::string(16, 's'), kQuick);
  EXPECT_EQ(code_of([&] { open(sealed.bytes, other.archive); }), "backup_passphrase_wrong");
}

TEST(SealedStream, RefusesForgedKdfSettings) {
  EXPECT_EQ(code_of([] {
              derive_backup_keys("p", std::string(16, 's'), {1U << 30U, 1, 1});
            }),
            "backup_kdf_params");
  EXPECT_EQ(code_of([] {
              derive_backup_keys("p", std::string(16, 's'), {8192, 1000, 1});
            }),
            "backup_kdf_params");
  EXPECT_EQ(code_of([] { derive_backup_keys("p", "short", kQuick); }), "backup_kdf_params");
}

class TarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("dokkerr-tar-" + crypto::hex_encode(crypto::random_bytes(5)));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TarTest, WritesAndExtracts) {
  std::ofstream(dir_ / "source.bin", std::ios::binary) << std::string(100000, 'q');
  std::string packed;
  {
    TarGzWriter tar([&](std::string_view b) { packed.append(b); });
    tar.add_bytes("a/b.txt", "hello");
    EXPECT_EQ(tar.add_file("big/source.bin", dir_ / "source.bin"),
              crypto::sha256_hex(std::string(100000, 'q')));
    tar.finish();
  }
  EXPECT_LT(packed.size(), 5000U);  // gzip'd
  std::ofstream(dir_ / "packed.tgz", std::ios::binary) << packed;
  extract_tar_gz(dir_ / "packed.tgz", dir_ / "out", 1U << 20U);
  std::ifstream in(dir_ / "out" / "a" / "b.txt");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "hello");
  EXPECT_EQ(fs::file_size(dir_ / "out" / "big" / "source.bin"), 100000U);
  EXPECT_EQ(code_of([&] { extract_tar_gz(dir_ / "packed.tgz", dir_ / "small", 1000); }),
            "backup_corrupt");
}

TEST_F(TarTest, RefusesUnsafeEntries) {
  for (const std::string name : {"../escape", "/abs/path", "a/../../b"}) {
    std::string packed;
    {
      TarGzWriter tar([&](std::string_view b) { packed.append(b); });
      tar.add_bytes(name, "x");
      tar.finish();
    }
    std::ofstream(dir_ / "bad.tgz", std::ios::binary | std::ios::trunc) << packed;
    EXPECT_EQ(code_of([&] { extract_tar_gz(dir_ / "bad.tgz", dir_ / "out", 1U << 20U); }),
              "backup_corrupt")
        << name;
  }
  EXPECT_FALSE(fs::exists(dir_ / "escape"));
  std::ofstream(dir_ / "garbage.tgz", std::ios::binary) << "not a tar at all";
  EXPECT_EQ(code_of([&] { extract_tar_gz(dir_ / "garbage.tgz", dir_ / "out2", 1U << 20U); }),
            "backup_corrupt");
}

}  // namespace
}  // namespace dokkerr::backup
