#include "crypto/secret_box.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace dokkerr::crypto {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

void expect_unreadable(const SecretBox& box, std::string_view sealed, std::string_view aad) {
  try {
    (void)box.open(sealed, aad);
    ADD_FAILURE() << "opened: " << sealed;
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::internal);
    EXPECT_EQ(error.code(), "secret_unreadable");
  }
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777U;
}

class SecretBoxFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("dokkerr-box-" + hex_encode(random_bytes(8)));
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST(SecretBox, SealsAndOpens) {
  const SecretBox box(random_bytes(32));
  const std::string sealed = box.seal("registry password", "registry:42");
  EXPECT_TRUE(sealed.starts_with("v1."));
  const auto raw = base64url_decode(std::string_view(sealed).substr(3));
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), 12U + 17U + 16U);
  EXPECT_EQ(raw->find("registry password"), std::string::npos);
  EXPECT_EQ(box.open(sealed, "registry:42"), "registry password");
  // A fresh nonce every time: sealing the same secret twice gives different text.
  EXPECT_NE(box.seal("registry password", "registry:42"), sealed);
  EXPECT_EQ(box.open(box.seal("", ""), ""), "");
  const std::string binary("\0\xff\x01secret", 9);
  EXPECT_EQ(box.open(box.seal(binary, ""), ""), binary);
  const std::string big(100000, 'q');
  EXPECT_EQ(box.open(box.seal(big, "big"), "big"), big);
}

TEST(SecretBox, RefusesOtherAssociatedData) {
  const SecretBox box(random_bytes(32));
  const std::string sealed = box.seal("totp seed", "totp:user:1");
  expect_unreadable(box, sealed, "totp:user:2");
  expect_unreadable(box, sealed, "");
  expect_unreadable(box, box.seal("totp seed", ""), "totp:user:1");
}

TEST(SecretBox, RefusesTamperingAnywhere) {
  const SecretBox box(random_bytes(32));
  const std::string sealed = box.seal("client secret", "oidc:google");
  const std::string raw = base64url_decode(std::string_view(sealed).substr(3)).value();
  // Every byte: nonce, ciphertext and tag.
  for (std::size_t i = 0; i < raw.size(); ++i) {
    std::string changed = raw;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    expect_unreadable(box, "v1." + base64url_encode(changed), "oidc:google");
  }
  expect_unreadable(box, "v1." + base64url_encode(raw.substr(0, raw.size() - 1)), "oidc:google");
  expect_unreadable(box, "v1." + base64url_encode(raw + "x"), "oidc:google");
  expect_unreadable(box, "v1." + base64url_encode(raw.substr(0, 27)), "oidc:google");
  expect_unreadable(box, "v2." + sealed.substr(3), "oidc:google");
  expect_unreadable(box, sealed.substr(3), "oidc:google");
  expect_unreadable(box, "v1.!!!!", "oidc:google");
  expect_unreadable(box, "", "oidc:google");
  expect_unreadable(SecretBox(random_bytes(32)), sealed, "oidc:google");
}

TEST(SecretBox, NeedsA32ByteKey) {
  EXPECT_THROW(SecretBox(random_bytes(31)), std::invalid_argument);
  EXPECT_THROW(SecretBox(random_bytes(64)), std::invalid_argument);
}

TEST_F(SecretBoxFiles, CreatesTheKeyFileOnceAndReadsItBack) {
  const fs::path file = root_ / "state" / "secret.key";
  const SecretBox first = SecretBox::load_or_create(file);
  EXPECT_EQ(mode_of(file), 0600U);
  EXPECT_EQ(mode_of(file.parent_path()), 0700U);
  EXPECT_THAT(read_file(file), ::testing::MatchesRegex("[0-9a-f]{64}\n"));
  const std::string sealed = first.seal("s3cret", "ctx");

  const SecretBox second = SecretBox::load_or_create(file);
  EXPECT_EQ(second.open(sealed, "ctx"), "s3cret");
  EXPECT_EQ(SecretBox(hex_decode(read_file(file).substr(0, 64)).value()).open(sealed, "ctx"),
            "s3cret");
  EXPECT_EQ(std::distance(fs::directory_iterator(file.parent_path()), fs::directory_iterator()), 1)
      << "no temporary file is left behind";

  fs::permissions(file, fs::perms::owner_read);  // narrower than 0600 is fine
  EXPECT_EQ(SecretBox::load_or_create(file).open(sealed, "ctx"), "s3cret");
}

TEST_F(SecretBoxFiles, RefusesKeyFilesOthersCanReadOrOfTheWrongShape) {
  fs::create_directories(root_);
  const fs::path file = root_ / "secret.key";
  auto write = [&](const std::string& text, fs::perms perms) {
    fs::remove(file);
    std::ofstream(file) << text;
    fs::permissions(file, perms);
  };
  auto expect_refusal = [&](std::string_view words) {
    try {
      (void)SecretBox::load_or_create(file);
      ADD_FAILURE() << "accepted a bad key file";
    } catch (const std::runtime_error& error) {
      EXPECT_THAT(error.what(), HasSubstr(file.string()));
      EXPECT_THAT(error.what(), HasSubstr(words));
    }
  };
  const std::string key = hex_encode(random_bytes(32));
  const auto owner = fs::perms::owner_read | fs::perms::owner_write;
  write(key + "\n", owner | fs::perms::group_read);
  expect_refusal("0640");
  write(key, owner | fs::perms::others_read);
  expect_refusal("wider than 0600");
  write(key.substr(0, 62) + "\n", owner);
  expect_refusal("64 hex characters");
  write(key + "00\n", owner);
  expect_refusal("64 hex characters");
  write(key.substr(0, 63) + "g\n", owner);
  expect_refusal("64 hex characters");
  write(key + "\n\n", owner);
  expect_refusal("64 hex characters");
  write(key + "\n", owner);
  EXPECT_NO_THROW((void)SecretBox::load_or_create(file));
  write(key, owner);
  EXPECT_NO_THROW((void)SecretBox::load_or_create(file));
}

}  // namespace
}  // namespace dokkerr::crypto
