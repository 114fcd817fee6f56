#include "http/transform.hpp"

#include "http/responses.hpp"

#include <boost/beast/http/field.hpp>
#include <gtest/gtest.h>

#include <string>
#include <zlib.h>

namespace dokkerr::http {
namespace {

namespace bhttp = boost::beast::http;

Request get(std::string target = "/api/v1/things") {
  Request request{Verb::get, target, 11};
  request.set(bhttp::field::host, "x");
  return request;
}

Response json_body(std::string body) {
  Response response{Status::ok, 11};
  response.set(bhttp::field::content_type, "application/json");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

std::string gunzip(const std::string& data) {
  z_stream stream{};
  inflateInit2(&stream, 15 + 16);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  inflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

TEST(TransformTest, ASuccessfulReadGetsAStableWeakETag) {
  auto first = json_body(R"({"a":1})");
  EXPECT_FALSE(transform_response(get(), {}, first));
  auto second = json_body(R"({"a":1})");
  EXPECT_FALSE(transform_response(get(), {}, second));
  const std::string tag(first[bhttp::field::etag]);
  EXPECT_TRUE(tag.starts_with("W/\"")) << tag;
  EXPECT_EQ(tag.size(), 3U + 32U + 1U);
  EXPECT_EQ(tag, std::string(second[bhttp::field::etag]));
  auto other = json_body(R"({"a":2})");
  EXPECT_FALSE(transform_response(get(), {}, other));
  EXPECT_NE(tag, std::string(other[bhttp::field::etag]));
}

TEST(TransformTest, AMatchingIfNoneMatchIsAnswered304WithoutBody) {
  auto probe = json_body(R"({"a":1})");
  EXPECT_FALSE(transform_response(get(), {}, probe));
  const std::string tag(probe[bhttp::field::etag]);
  for (const std::string& header : {tag, "\"x\", " + tag, tag.substr(2), std::string("*")}) {
    auto request = get();
    request.set(bhttp::field::if_none_match, header);
    auto response = json_body(R"({"a":1})");
    EXPECT_FALSE(transform_response(request, {}, response));
    EXPECT_EQ(response.result(), Status::not_modified) << header;
    EXPECT_TRUE(response.body().empty());
    EXPECT_EQ(std::string(response[bhttp::field::etag]), tag);
  }
  auto request = get();
  request.set(bhttp::field::if_none_match, "W/\"0000\"");
  auto response = json_body(R"({"a":1})");
  EXPECT_FALSE(transform_response(request, {}, response));
  EXPECT_EQ(response.result(), Status::ok);
}

TEST(TransformTest, AnAnswerMadeAnewEachTimeGetsNoValidatorAndNever304) {
  auto request = get("/");
  request.set(bhttp::field::if_none_match, "*");
  Response page{Status::ok, 11};
  page.set(bhttp::field::content_type, "text/html; charset=utf-8");
  page.set(bhttp::field::cache_control, "no-store");
  page.body() = "<meta content=\"nonce-1\">";
  page.prepare_payload();
  EXPECT_FALSE(transform_response(request, {}, page));
  EXPECT_EQ(page.result(), Status::ok);
  EXPECT_EQ(page.find(bhttp::field::etag), page.end());
  EXPECT_FALSE(page.body().empty());
}

TEST(TransformTest, WritesAndFailuresAreLeftAlone) {
  Request post{Verb::post, "/api/v1/things", 11};
  auto created = json_body(std::string(4096, 'x'));
  post.set(bhttp::field::accept_encoding, "gzip");
  EXPECT_FALSE(transform_response(post, {}, created));
  EXPECT_EQ(created.find(bhttp::field::etag), created.end());
  EXPECT_EQ(created.find(bhttp::field::content_encoding), created.end());

  auto failed = json_body(R"({"code":"x"})");
  failed.result(Status::not_found);
  EXPECT_FALSE(transform_response(get(), {}, failed));
  EXPECT_EQ(failed.find(bhttp::field::etag), failed.end());
}

TEST(TransformTest, LargeJsonIsGzippedOnlyWhenAccepted) {
  std::string body = "[";
  for (int i = 0; i < 200; ++i) body += R"({"Id":"abcdef","State":"running"},)";
  body.back() = ']';

  auto plain = json_body(body);
  EXPECT_FALSE(transform_response(get(), {}, plain));
  EXPECT_EQ(plain.body(), body);
  EXPECT_EQ(std::string(plain[bhttp::field::vary]), "Accept-Encoding");

  auto request = get();
  request.set(bhttp::field::accept_encoding, "br;q=1.0, gzip;q=0.8");
  auto compressed = json_body(body);
  compressed.set(bhttp::field::vary, "Origin");
  EXPECT_FALSE(transform_response(request, {}, compressed));
  EXPECT_EQ(std::string(compressed[bhttp::field::content_encoding]), "gzip");
  EXPECT_EQ(std::string(compressed[bhttp::field::vary]), "Origin, Accept-Encoding");
  EXPECT_LT(compressed.body().size(), body.size() / 4);
  EXPECT_EQ(gunzip(compressed.body()), body);
  EXPECT_EQ(std::string(compressed[bhttp::field::content_length]),
            std::to_string(compressed.body().size()));

  auto small = json_body(R"({"a":1})");
  EXPECT_FALSE(transform_response(request, {}, small));
  EXPECT_EQ(small.find(bhttp::field::content_encoding), small.end());
}

QueryParams fields(std::string list) {
  return QueryParams({{"fields", std::move(list)}});
}

TEST(TransformTest, SparseFieldsKeepOnlyTheNamedKeysOfEachListItem) {
  auto list = json_body(
      R"({"items":[{"Id":"a","Names":["/x"],"State":"running","Labels":{}},{"Id":"b"}],"next_cursor":null})");
  EXPECT_FALSE(transform_response(get(), fields("Id, State"), list));
  EXPECT_EQ(list.body(),
            R"({"items":[{"Id":"a","State":"running"},{"Id":"b"}],"next_cursor":null})");
  EXPECT_EQ(std::string(list[bhttp::field::content_length]), std::to_string(list.body().size()));

  auto bare = json_body(R"([{"Id":"a","Size":1}])");
  EXPECT_FALSE(transform_response(get(), fields("Size"), bare));
  EXPECT_EQ(bare.body(), R"([{"Size":1}])");

  auto single = json_body(R"({"Id":"a","Size":1})");  // not a list: left whole
  EXPECT_FALSE(transform_response(get(), fields("Size"), single));
  EXPECT_EQ(single.body(), R"({"Id":"a","Size":1})");
}

TEST(TransformTest, MalformedSparseFieldsAreRefused) {
  std::string many;
  for (int i = 0; i < 65; ++i) many += "f" + std::to_string(i) + ",";
  many.pop_back();
  for (const std::string& bad : {std::string(""), std::string("Id,,State"), std::string("Id;drop"),
                                 std::string(65, 'x'), many}) {
    auto list = json_body(R"({"items":[{"Id":"a"}]})");
    const auto refused = transform_response(get(), fields(bad), list);
    ASSERT_TRUE(refused) << bad;
    EXPECT_EQ(refused->code(), "invalid_parameter");
    EXPECT_EQ(list.body(), R"({"items":[{"Id":"a"}]})");
  }
}

TEST(TransformTest, AcceptEncodingIsReadAsTheRfcSays) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, GZIP"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip("gzip;q=0.5"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0.000"));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("xgzip"));
}

}  // namespace
}  // namespace dokkerr::http
