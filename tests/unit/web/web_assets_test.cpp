#include "web/web_assets.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace dokkerr::web {
namespace {

namespace fs = std::filesystem;

class WebAssetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dokkerr-web-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "assets");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  fs::path dir_;
};

TEST_F(WebAssetsTest, ReadsIndexTopLevelFilesAndHashedAssets) {
  write("index.html", "<!doctype html><title>Dokkerr</title>");
  write("favicon.svg", "<svg/>");
  const std::string script(4096, 'a');
  write("assets/index-3f2a.js", script);
  write("assets/index-3f2a.css", "body{}");
  const auto assets = WebAssets::load(dir_);
  EXPECT_EQ(assets.size(), 4U);

  const auto* index = assets.find("index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_FALSE(index->immutable) << "index.html is revalidated";
  EXPECT_TRUE(index->etag.starts_with("W/\""));

  const auto* js = assets.find("assets/index-3f2a.js");
  ASSERT_NE(js, nullptr);
  EXPECT_TRUE(js->immutable);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->body, script);
  EXPECT_FALSE(js->gzipped.empty());
  EXPECT_LT(js->gzipped.size(), js->body.size());
  EXPECT_TRUE(assets.find("assets/index-3f2a.css")->gzipped.empty()) << "too small to gain";

  EXPECT_EQ(assets.top_level_names(), (std::vector<std::string>{"favicon.svg", "index.html"}));
}

TEST_F(WebAssetsTest, APageWithTheNoncePlaceholderIsFilledInPerAnswerAndNeverTagged) {
  write("index.html", R"(<meta name="dokkerr-style-nonce" content="__DOKKERR_STYLE_NONCE__"><p>)");
  write("other.html", "<p>__DOKKERR_STYLE_NONCE_</p>");
  write("notes.txt", "__DOKKERR_STYLE_NONCE__");
  const auto assets = WebAssets::load(dir_);

  const auto* index = assets.find("index.html");
  ASSERT_NE(index, nullptr);
  ASSERT_TRUE(index->nonce_at.has_value());
  EXPECT_TRUE(index->etag.empty()) << "each answer differs: no ETag, no 304";
  EXPECT_TRUE(index->gzipped.empty());
  EXPECT_EQ(with_style_nonce(*index, "abc_-9"),
            R"(<meta name="dokkerr-style-nonce" content="abc_-9"><p>)");

  EXPECT_FALSE(assets.find("other.html")->nonce_at.has_value()) << "not the whole placeholder";
  EXPECT_FALSE(assets.find("notes.txt")->nonce_at.has_value()) << "only HTML pages";
}

TEST_F(WebAssetsTest, OnlyPlainRegularFilesFoundAtStartAreServed) {
  write("index.html", "x");
  write(".env", "SECRET=1");
  write("assets/.hidden.js", "x");
  write("assets/with space.js", "x");
  fs::create_directories(dir_ / "assets" / "nested");
  write("assets/nested/deep.js", "x");
  std::ofstream(fs::temp_directory_path() / "dokkerr-web-outside.txt") << "outside";
  fs::create_symlink(fs::temp_directory_path() / "dokkerr-web-outside.txt",
                     dir_ / "assets" / "link.txt");
  const auto assets = WebAssets::load(dir_);
  EXPECT_EQ(assets.size(), 1U);
  for (const auto* name : {".env", "assets/.hidden.js", "assets/with space.js",
                           "assets/nested/deep.js", "assets/nested", "assets/link.txt",
                           "assets/../index.html", "../index.html", "/index.html", ""}) {
    EXPECT_EQ(assets.find(name), nullptr) << name;
  }
  fs::remove(fs::temp_directory_path() / "dokkerr-web-outside.txt");
}

TEST_F(WebAssetsTest, RefusesAMissingIndexAndPassedLimits) {
  EXPECT_THROW(WebAssets::load(dir_), std::runtime_error);
  EXPECT_THROW(WebAssets::load(dir_ / "nope"), std::runtime_error);
  write("index.html", "x");
  write("assets/a.js", std::string(100, 'a'));
  write("assets/b.js", std::string(100, 'b'));
  WebAssetLimits small;
  small.max_file_bytes = 50;
  EXPECT_THROW(WebAssets::load(dir_, small), std::runtime_error);
  WebAssetLimits few;
  few.max_files = 2;
  EXPECT_THROW(WebAssets::load(dir_, few), std::runtime_error);
  WebAssetLimits total;
  total.max_total_bytes = 150;
  EXPECT_THROW(WebAssets::load(dir_, total), std::runtime_error);
}

TEST(ContentTypeFor, KnowsTheTypesABuildEmits) {
  EXPECT_EQ(content_type_for("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("a.woff2"), "font/woff2");
  EXPECT_EQ(content_type_for("a.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("a.exe"), "application/octet-stream");
}

}  // namespace
}  // namespace dokkerr::web
