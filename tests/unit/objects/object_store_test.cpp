// One suite for every ObjectStore backend: the local directory always, and a real S3 server
// when the test script started one (DOKKERR_TEST_S3_ENDPOINT, DOKKERR_TEST_S3_BUCKET and the
// AWS_* credentials it exports).
#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "objects/local_object_store.hpp"
#include "objects/object_transfer.hpp"
#include "objects/s3_object_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace dokkerr::objects {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> from_process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): test setup
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string pattern(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  unsigned x = seed * 2654435761U + 1;
  for (auto& c : out) {
    x ^= x << 13U;
    x ^= x >> 17U;
    x ^= x << 5U;
    c = static_cast<char>(x & 0xFFU);
  }
  return out;
}

class ObjectStoreSuite : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    run_ = crypto::hex_encode(crypto::random_bytes(6));
    if (GetParam() == "local") {
      root_ = fs::temp_directory_path() / ("dokkerr-objects-" + run_);
      store_ = std::make_unique<LocalObjectStore>(root_);
      return;
    }
    const auto endpoint = from_process_env("DOKKERR_TEST_S3_ENDPOINT");
    const auto bucket = from_process_env("DOKKERR_TEST_S3_BUCKET");
    if (!endpoint || !bucket) GTEST_SKIP() << "no S3 server (DOKKERR_TEST_S3_ENDPOINT)";
    auto config =
        parse_s3_url("s3://" + *bucket + "/unit-" + run_ + "?path_style=true&endpoint=" + *endpoint,
                     from_process_env);
    config.part_size = std::size_t{5} << 20U;
    config.first_retry_wait = std::chrono::milliseconds(20);
    store_ = std::make_unique<S3ObjectStore>(std::move(config));
  }

  void TearDown() override {
    if (store_) {
      for (;;) {
        const auto page = store_->list("", std::nullopt, 1000);
        for (const auto& item : page.items) store_->remove(item.key);
        if (!page.next_cursor) break;
      }
    }
    if (!root_.empty()) fs::remove_all(root_);
  }

  std::string get(std::string_view key) { return store_->get_all(key, std::size_t{64} << 20U); }

  std::string run_;
  fs::path root_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(ObjectStoreSuite, PutGetHeadRemove) {
  const auto info = store_->put("a/b/c.txt", "hello");
  EXPECT_EQ(info.key, "a/b/c.txt");
  EXPECT_EQ(info.size, 5U);
  EXPECT_EQ(get("a/b/c.txt"), "hello");
  const auto head = store_->head("a/b/c.txt");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->size, 5U);
  EXPECT_NEAR(static_cast<double>(head->modified_unix), static_cast<double>(now_unix()), 120.0);
  store_->put("a/b/c.txt", "replaced");
  EXPECT_EQ(get("a/b/c.txt"), "replaced");
  store_->remove("a/b/c.txt");
  EXPECT_FALSE(store_->head("a/b/c.txt").has_value());
  store_->remove("a/b/c.txt");  // again: still fine
}

TEST_P(ObjectStoreSuite, EmptyAndBinaryObjects) {
  store_->put("empty", "");
  EXPECT_EQ(get("empty"), "");
  std::string binary(256, '\0');
  for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i);
  store_->put("binary", binary);
  EXPECT_EQ(get("binary"), binary);
}

TEST_P(ObjectStoreSuite, MissingObjectIsNotFound) {
  try {
    get("no/such/object");
    FAIL() << "expected not_found";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
    EXPECT_EQ(e.code(), "object_not_found");
  }
  EXPECT_FALSE(store_->head("no/such/object").has_value());
}

TEST_P(ObjectStoreSuite, RefusesKeysOutsideTheRule) {
  for (const std::string& key : std::vector<std::string>{
           "", "/abs", "a//b", "a/../b", "..", "a/.hidden", "end/", "back\\slash", "sp ace",
           std::string("nul\0x", 5), std::string(1025, 'k'), std::string("\xC3\xA9")}) {
    EXPECT_THROW(store_->put(key, "x"), Error) << key;
    EXPECT_THROW(static_cast<void>(store_->head(key)), Error) << key;
  }
}

TEST_P(ObjectStoreSuite, ListsByPrefixInPages) {
  std::vector<std::string> keys;
  for (int i = 0; i < 7; ++i) keys.push_back("list/k" + std::to_string(i));
  for (const auto& key : keys) store_->put(key, key);
  store_->put("listed-not/x", "x");
  store_->put("other/y", "y");

  std::vector<std::string> seen;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    const auto page = store_->list("list/", cursor, 3);
    for (const auto& item : page.items) {
      seen.push_back(item.key);
      EXPECT_EQ(item.size, item.key.size());
    }
    cursor = page.next_cursor;
    ++pages;
  } while (cursor && pages < 10);
  EXPECT_EQ(seen, keys);
  EXPECT_GE(pages, 3);

  const auto partial = store_->list("list", std::nullopt, 100);
  EXPECT_EQ(partial.items.size(), 8U);  // list/… and listed-not/…
  EXPECT_TRUE(store_->list("nothing-here/", std::nullopt, 10).items.empty());
  EXPECT_THROW(static_cast<void>(store_->list("", std::nullopt, 0)), Error);
}

TEST_P(ObjectStoreSuite, WrittenObjectAppearsOnlyOnCommit) {
  auto writer = store_->create("pending/obj");
  writer->write("part one ");
  EXPECT_FALSE(store_->head("pending/obj").has_value());
  writer->write("part two");
  writer->commit();
  EXPECT_EQ(get("pending/obj"), "part one part two");

  auto dropped = store_->create("pending/dropped");
  dropped->write("never seen");
  dropped->abort();
  EXPECT_FALSE(store_->head("pending/dropped").has_value());
  {
    auto forgotten = store_->create("pending/forgotten");
    forgotten->write("destroyed without commit");
  }
  EXPECT_FALSE(store_->head("pending/forgotten").has_value());
}

TEST_P(ObjectStoreSuite, LargeObjectStreamsInParts) {
  // 12 MiB + 3 bytes in uneven pieces: three parts of 5 MiB at most on S3.
  const auto data = pattern((std::size_t{12} << 20U) + 3, 7);
  auto writer = store_->create("large/blob");
  std::size_t at = 0;
  std::size_t piece = 1;
  while (at < data.size()) {
    const auto n = std::min(piece, data.size() - at);
    writer->write(std::string_view(data).substr(at, n));
    at += n;
    piece = piece * 3 + 7;
  }
  const auto info = writer->commit();
  EXPECT_EQ(info.size, data.size());
  EXPECT_EQ(store_->head("large/blob")->size, data.size());
  std::string sha_in = crypto::sha256_hex(data);
  std::string received;
  std::size_t pieces = 0;
  store_->get("large/blob", [&](std::string_view bytes) {
    received.append(bytes);
    ++pieces;
  });
  EXPECT_EQ(crypto::sha256_hex(received), sha_in);
  EXPECT_GT(pieces, 1U);
}

TEST_P(ObjectStoreSuite, PutsAFileWholeAndStreamed) {
  const auto data = pattern((std::size_t{6} << 20U) + 11, 5);
  const auto file = fs::temp_directory_path() / ("dokkerr-put-file-" + run_);
  std::ofstream(file, std::ios::binary) << data;
  EXPECT_EQ(store_->put_file("files/whole", file).size, data.size());
  EXPECT_EQ(store_->ObjectStore::put_file("files/streamed", file).size, data.size());
  fs::remove(file);
  EXPECT_EQ(crypto::sha256_hex(get("files/whole")), crypto::sha256_hex(data));
  EXPECT_EQ(crypto::sha256_hex(get("files/streamed")), crypto::sha256_hex(data));
  EXPECT_THROW(store_->put_file("files/missing", file), Error);
}

TEST_P(ObjectStoreSuite, AbandonedUploadsAreDropped) {
  auto writer = store_->create("abandoned/big");
  writer->write(pattern((std::size_t{5} << 20U) + 1, 3));  // begins a multipart upload on S3
  EXPECT_EQ(store_->drop_abandoned_uploads("abandoned/", now_unix() - 3600), 0U);
  const auto dropped = store_->drop_abandoned_uploads("abandoned/", now_unix() + 60);
  // s3rver implements neither ListMultipartUploads nor AbortMultipartUpload (it answers 501 and
  // 405): against it the call only must not fail. The requests real S3 gets are checked on the
  // capture server (s3_requests_test.cpp).
  if (GetParam() == "local") {
    EXPECT_EQ(dropped, 1U);
  }
  writer->abort();  // its upload is already gone: still no error
  EXPECT_FALSE(store_->head("abandoned/big").has_value());
}

TEST_P(ObjectStoreSuite, SinkErrorsStopTheDownload) {
  store_->put("sink/x", pattern(1U << 20U, 1));
  EXPECT_THROW(
      store_->get("sink/x", [](std::string_view) { throw Error::invalid("stop", "stop"); }), Error);
  EXPECT_THROW(static_cast<void>(store_->get_all("sink/x", 1000)), Error);
}

// Runs a coroutine to its end on its own io_context (the store's calls on a pool beside it).
template <typename T>
T run_async(boost::asio::awaitable<T> task) {
  boost::asio::io_context io;
  auto result = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  io.run();
  return result.get();
}

// A source that hands out `data` in uneven pieces, failing after `fail_after` bytes if set.
PieceSource uneven_source(const std::string& data, std::optional<std::size_t> fail_after = {}) {
  auto at = std::make_shared<std::size_t>(0);
  auto step = std::make_shared<std::size_t>(1);
  return [&data, at, step, fail_after]() -> boost::asio::awaitable<std::string_view> {
    if (fail_after && *at >= *fail_after) throw Error::invalid("source_broke", "source broke");
    const auto piece = std::string_view(data).substr(*at, *step);
    *at += piece.size();
    *step = (*step * 5 + 3) % 300000 + 1;
    co_return piece;
  };
}

TEST_P(ObjectStoreSuite, StreamsWrittenAndReadThroughCoroutines) {
  BlockingPool pool(2);
  const auto data = pattern((std::size_t{3} << 20U) + 5, 11);
  const auto info = run_async(write_object(*store_, "transfer/whole", pool, uneven_source(data)));
  EXPECT_EQ(info.size, data.size());
  std::string received;
  std::size_t pieces = 0;
  const PieceConsumer collect = [&](std::string piece) -> boost::asio::awaitable<void> {
    received += piece;
    ++pieces;
    co_return;
  };
  run_async(read_object(*store_, "transfer/whole", pool, collect));
  EXPECT_EQ(crypto::sha256_hex(received), crypto::sha256_hex(data));
  EXPECT_GT(pieces, 1U);
}

TEST_P(ObjectStoreSuite, ABrokenSourceLeavesNothing) {
  BlockingPool pool(2);
  const auto data = pattern(std::size_t{3} << 20U, 12);
  EXPECT_THROW(run_async(write_object(*store_, "transfer/broken", pool,
                                      uneven_source(data, std::size_t{2} << 20U))),
               Error);
  EXPECT_FALSE(store_->head("transfer/broken").has_value());
  EXPECT_TRUE(store_->list("transfer/", std::nullopt, 10).items.empty());
}

TEST_P(ObjectStoreSuite, AFailingConsumerStopsTheReader) {
  BlockingPool pool(2);
  store_->put("transfer/read", pattern(std::size_t{6} << 20U, 13));
  std::size_t taken = 0;
  const PieceConsumer refuse_second = [&](std::string) -> boost::asio::awaitable<void> {
    if (++taken == 2) throw Error::invalid("consumer_broke", "consumer broke");
    co_return;
  };
  try {
    run_async(read_object(*store_, "transfer/read", pool, refuse_second));
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "consumer_broke");
  }
  EXPECT_LT(taken, 6U);
  const PieceConsumer ignore = [](std::string) -> boost::asio::awaitable<void> { co_return; };
  try {
    run_async(read_object(*store_, "transfer/missing", pool, ignore));
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::not_found);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ObjectStoreSuite, ::testing::Values("local", "s3"),
                         [](const auto& param_info) { return param_info.param; });

// --- configuration ---

EnvironmentLookup env_of(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(S3Url, ReadsBucketPrefixAndOptions) {
  const auto config = parse_s3_url(
      "s3://my-bucket/backups/prod?endpoint=http://127.0.0.1:9000&region=eu-west-1&path_style=true",
      env_of({{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"}}));
  EXPECT_EQ(config.bucket, "my-bucket");
  EXPECT_EQ(config.prefix, "backups/prod/");
  EXPECT_EQ(config.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(config.region, "eu-west-1");
  EXPECT_TRUE(config.path_style);
  EXPECT_EQ(config.credentials.access_key_id, "AK");
  EXPECT_EQ(config.credentials.secret_access_key, "SK");
}

TEST(S3Url, DefaultsToAwsAndTheEnvironment) {
  const auto config = parse_s3_url("s3://bucket1", env_of({{"AWS_REGION", "ap-south-1"},
                                                           {"AWS_ACCESS_KEY_ID", "AK"},
                                                           {"AWS_SECRET_ACCESS_KEY", "SK"},
                                                           {"AWS_SESSION_TOKEN", "TOKEN"}}));
  EXPECT_EQ(config.endpoint, "https://s3.ap-south-1.amazonaws.com");
  EXPECT_EQ(config.prefix, "");
  EXPECT_FALSE(config.path_style);
  EXPECT_EQ(config.credentials.session_token, "TOKEN");
}

TEST(S3Url, ReadsACredentialsFileProfile) {
  const auto file = fs::temp_directory_path() / "dokkerr-aws-credentials-test";
  {
    std::ofstream out(file);
    out << "[default]\naws_access_key_id = D1\naws_secret_access_key = D2\n"
           "# comment\n[backup]\naws_access_key_id=B1\naws_secret_access_key=B2\n";
  }
  const auto config = parse_s3_url(
      "s3://bucket1?credentials_file=" + file.string() + "&profile=backup", env_of({}));
  EXPECT_EQ(config.credentials.access_key_id, "B1");
  EXPECT_EQ(config.credentials.secret_access_key, "B2");
  fs::remove(file);
}

TEST(S3Url, RefusesWhatItCannotUse) {
  const auto env = env_of({{"AWS_ACCESS_KEY_ID", "AK"}, {"AWS_SECRET_ACCESS_KEY", "SK"}});
  for (const std::string& url : std::vector<std::string>{
           "http://bucket", "s3://", "s3://ab", "s3://Upper", "s3://user:pw@bucket",
           "s3://bucket?endpoint=ftp://x", "s3://bucket?endpoint=http://h/path",
           "s3://bucket?path_style=yes", "s3://bucket?nonsense=1", "s3://bucket/../x",
           "s3://bucket?region=EU%20WEST", "s3://bucket?part_size_mib=1"}) {
    try {
      static_cast<void>(parse_s3_url(url, env));
      ADD_FAILURE() << url;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid) << url;
    }
  }
  EXPECT_THROW(static_cast<void>(parse_s3_url("s3://bucket", env_of({}))), Error);  // no keys
}

}  // namespace
}  // namespace dokkerr::objects
