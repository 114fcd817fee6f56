// The SigV4 reference against published vectors, and the capture server it is used with.
//
// Vectors: the AWS Signature Version 4 test suite (AKIDEXAMPLE, 20150830T123600Z, us-east-1,
// service "service"), the worked examples of the S3 API reference ("Signature Calculations for
// the Authorization Header: Transferring Payload in a Single Chunk": AKIAIOSFODNN7EXAMPLE,
// 20130524T000000Z, examplebucket), and one S3 request with UNSIGNED-PAYLOAD signed by botocore.
#include "unit/objects/sigv4_reference.hpp"

#include "unit/objects/capture_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cstdint>
#include <curl/curl.h>
#include <memory>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace dokkerr::objects::testing {
namespace {

constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// --- The AWS Signature Version 4 test suite -----------------------------------------------

constexpr std::string_view kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSuiteDate = "20150830T123600Z";
constexpr std::string_view kSuiteScope = "20150830/us-east-1/service/aws4_request";
constexpr std::string_view kSuiteCredential =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

SignedRequestParts suite_request(std::string method, std::string path, std::string query = {}) {
  return {std::move(method),
          std::move(path),
          std::move(query),
          {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", std::string(kSuiteDate)}}};
}

std::string suite_signature(const std::string& creq) {
  return signature(kSuiteSecret, "20150830", "us-east-1", "service",
                   string_to_sign(kSuiteDate, kSuiteScope, creq));
}

// The request as the server would receive it, with the Authorization header the suite expects,
// re-signed from that header alone.
void expect_suite_authorization(SignedRequestParts request, const std::string& expected) {
  request.headers.emplace_back("Authorization", expected);
  EXPECT_EQ(expected_authorization(request, kSuiteSecret, kEmptySha256), expected);
}

TEST(SigV4Suite, GetVanilla) {
  const auto request = suite_request("GET", "/");
  const auto creq = canonical_request(request, {"host", "x-amz-date"}, "service", kEmptySha256);
  EXPECT_EQ(creq,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n" +
                std::string(kEmptySha256));
  EXPECT_EQ(string_to_sign(kSuiteDate, kSuiteScope, creq),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(suite_signature(creq),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  expect_suite_authorization(request, std::string(kSuiteCredential) +
                                          "SignedHeaders=host;x-amz-date, Signature="
                                          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1"
                                          "d763fbf31");
}

TEST(SigV4Suite, PostVanilla) {
  const auto request = suite_request("POST", "/");
  const auto creq = canonical_request(request, {"host", "x-amz-date"}, "service", kEmptySha256);
  EXPECT_EQ(suite_signature(creq),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4Suite, GetVanillaQueryOrderKeyCase) {
  const auto request = suite_request("GET", "/", "Param2=value2&Param1=value1");
  EXPECT_EQ(canonical_query(request.query), "Param1=value1&Param2=value2");
  const auto creq = canonical_request(request, {"host", "x-amz-date"}, "service", kEmptySha256);
  EXPECT_EQ(sha256_hex(creq), "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0");
  EXPECT_EQ(suite_signature(creq),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  expect_suite_authorization(request, std::string(kSuiteCredential) +
                                          "SignedHeaders=host;x-amz-date, Signature="
                                          "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec"
                                          "94cdf2500");
}

TEST(SigV4Suite, GetVanillaQueryOrderEncoded) {
  // Pairs sort by encoded name: %E1%88%B4 first, and "Param" before "Param-3".
  const auto request = suite_request("GET", "/", "Param-3=Value3&Param=Value2&%E1%88%B4=Value1");
  EXPECT_EQ(canonical_query(request.query), "%E1%88%B4=Value1&Param=Value2&Param-3=Value3");
  const auto creq = canonical_request(request, {"host", "x-amz-date"}, "service", kEmptySha256);
  EXPECT_EQ(sha256_hex(creq), "868294f5c38bd141c4972a373a76654f1418a8e4fc18b2e7903ae45e8ae0ec71");
  EXPECT_EQ(suite_signature(creq),
            "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac");
}

TEST(SigV4Suite, GetHeaderValueTrim) {
  auto request = suite_request("GET", "/");
  request.headers.emplace_back("My-Header1", " value1");
  request.headers.emplace_back("My-Header2", " \"a   b   c\"");
  const auto creq = canonical_request(request, {"host", "my-header1", "my-header2", "x-amz-date"},
                                      "service", kEmptySha256);
  EXPECT_EQ(creq,
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
            "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" +
                std::string(kEmptySha256));
  EXPECT_EQ(sha256_hex(creq), "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7");
  EXPECT_EQ(suite_signature(creq),
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

TEST(SigV4Suite, GetUtf8) {
  const auto request = suite_request("GET", "/\xE1\x88\xB4");
  const auto creq = canonical_request(request, {"host", "x-amz-date"}, "service", kEmptySha256);
  EXPECT_EQ(creq.substr(0, 15), "GET\n/%E1%88%B4\n");
  EXPECT_EQ(sha256_hex(creq), "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102");
  EXPECT_EQ(suite_signature(creq),
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
}

TEST(SigV4Suite, NormalizesPathsExceptForS3) {
  // normalize-path/get-relative-relative and get-slash-dot-slash: the canonical URI is "/", so
  // the canonical request, and the signature, are get-vanilla's.
  for (const std::string path : {"/example1/example2/../..", "/./", "//"}) {
    EXPECT_EQ(canonical_uri(path, "service"), "/") << path;
    const auto creq = canonical_request(suite_request("GET", path), {"host", "x-amz-date"},
                                        "service", kEmptySha256);
    EXPECT_EQ(suite_signature(creq),
              "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        << path;
  }
  EXPECT_EQ(canonical_uri("//example//", "service"), "/example/");
  EXPECT_EQ(canonical_uri("/example space/", "service"), "/example%20space/");
  // Other services encode the path as sent once more; S3 keys are taken literally and encoded
  // once.
  EXPECT_EQ(canonical_uri("/a%20b", "service"), "/a%2520b");
  EXPECT_EQ(canonical_uri("/a%20b", "s3"), "/a%20b");
  EXPECT_EQ(canonical_uri("/b/x/../y//z", "s3"), "/b/x/../y//z");
  EXPECT_EQ(canonical_uri("/b/a b+c$d%2a~", "s3"), "/b/a%20b%2Bc%24d%2A~");
  EXPECT_EQ(canonical_uri("", "s3"), "/");
}

// --- The S3 API reference's examples --------------------------------------------------------

constexpr std::string_view kS3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kS3Date = "20130524T000000Z";
constexpr std::string_view kS3Scope = "20130524/us-east-1/s3/aws4_request";

SignedRequestParts s3_request(std::string method, std::string path, std::string query,
                              std::string payload_hash) {
  return {std::move(method),
          std::move(path),
          std::move(query),
          {{"Host", "examplebucket.s3.amazonaws.com"},
           {"x-amz-date", std::string(kS3Date)},
           {"x-amz-content-sha256", std::move(payload_hash)}}};
}

std::string s3_signature(const std::string& creq) {
  return signature(kS3Secret, "20130524", "us-east-1", "s3",
                   string_to_sign(kS3Date, kS3Scope, creq));
}

TEST(SigV4S3Examples, GetObjectWithRange) {
  auto request = s3_request("GET", "/test.txt", "", std::string(kEmptySha256));
  request.headers.emplace_back("Range", "bytes=0-9");
  const auto creq = canonical_request(
      request, {"host", "range", "x-amz-content-sha256", "x-amz-date"}, "s3", kEmptySha256);
  EXPECT_EQ(creq,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                std::string(kEmptySha256) +
                "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
                std::string(kEmptySha256));
  EXPECT_EQ(sha256_hex(creq), "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s3_signature(creq), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");

  const std::string sent =
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
      "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
  request.headers.emplace_back("Authorization", sent);
  EXPECT_EQ(expected_authorization(request, kS3Secret), sent);
}

TEST(SigV4S3Examples, PutObjectWithAKeyThatNeedsEncoding) {
  const std::string body = "Welcome to Amazon S3.";
  const auto payload = sha256_hex(body);
  EXPECT_EQ(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  // The key is "test$file.text": the same canonical request whether the client sent '$' or %24.
  for (const std::string path : {"/test$file.text", "/test%24file.text"}) {
    auto request = s3_request("PUT", path, "", payload);
    request.headers.emplace_back("Date", "Fri, 24 May 2013 00:00:00 GMT");
    request.headers.emplace_back("x-amz-storage-class", "REDUCED_REDUNDANCY");
    const auto creq = canonical_request(
        request, {"date", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-storage-class"},
        "s3", payload);
    EXPECT_EQ(creq.substr(0, 22), "PUT\n/test%24file.text\n") << path;
    EXPECT_EQ(sha256_hex(creq), "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
    EXPECT_EQ(s3_signature(creq),
              "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  }
}

TEST(SigV4S3Examples, GetBucketLifecycleAndListObjects) {
  // A parameter without a value signs as "lifecycle=".
  const auto lifecycle = s3_request("GET", "/", "lifecycle", std::string(kEmptySha256));
  EXPECT_EQ(canonical_query(lifecycle.query), "lifecycle=");
  EXPECT_EQ(s3_signature(canonical_request(
                lifecycle, {"host", "x-amz-content-sha256", "x-amz-date"}, "s3", kEmptySha256)),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");

  const auto list = s3_request("GET", "/", "prefix=J&max-keys=2", std::string(kEmptySha256));
  EXPECT_EQ(canonical_query(list.query), "max-keys=2&prefix=J");
  EXPECT_EQ(s3_signature(canonical_request(list, {"host", "x-amz-content-sha256", "x-amz-date"},
                                           "s3", kEmptySha256)),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

// Signed by botocore 1.29.27 (Debian's python3-botocore), path-style with an unsigned payload:
//
//   import datetime
//   from unittest import mock
//   from botocore.auth import S3SigV4Auth
//   from botocore.awsrequest import AWSRequest
//   from botocore.config import Config
//   from botocore.credentials import Credentials
//   request = AWSRequest(method="PUT", url="http://127.0.0.1:9000/dokkerr-test/backups/"
//       "2026-12-07%20full/part%2B1.tar?uploadId=abc%2Fdef&partNumber=2", data=b"not signed",
//       headers={"Content-Type": "application/octet-stream"})
//   request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
//   with mock.patch("botocore.auth.datetime") as clock:
//       clock.datetime.utcnow.return_value = datetime.datetime(2026, 12, 7, 1, 2, 3)
//       S3SigV4Auth(Credentials("S3RVER", "S3RVER"), "s3", "us-east-1").add_auth(request)
//   print(request.headers)
TEST(SigV4Botocore, UnsignedPayloadPutPart) {
  const std::string sent =
      "AWS4-HMAC-SHA256 Credential=S3RVER/20261207/us-east-1/s3/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
      "Signature=55c9bb025726b50d1f1dfc977da50e61df13058ae4595c73c366df597cddfce7";
  const SignedRequestParts request{"PUT",
                                   "/dokkerr-test/backups/2026-12-07%20full/part%2B1.tar",
                                   "uploadId=abc%2Fdef&partNumber=2",
                                   {{"Host", "127.0.0.1:9000"},
                                    {"Content-Type", "application/octet-stream"},
                                    {"X-Amz-Date", "20261207T010203Z"},
                                    {"X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"},
                                    {"Authorization", sent},
                                    {"Content-Length", "10"}}};
  EXPECT_EQ(expected_authorization(request, "S3RVER"), sent);
  EXPECT_NE(expected_authorization(request, "S3RVER-WRONG"), sent);
}

// --- What the verifier catches ---------------------------------------------------------------

SignedRequestParts botocore_like(std::string authorization) {
  return {"GET",
          "/bucket/key",
          "",
          {{"host", "127.0.0.1:9000"},
           {"x-amz-date", "20261207T010203Z"},
           {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
           {"authorization", std::move(authorization)}}};
}

TEST(SigV4Reference, ParsesTheAuthorizationHeader) {
  const auto fields = parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AK/20261207/eu-west-1/s3/aws4_request,SignedHeaders=host;"
      "x-amz-date,Signature=abc");
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->access_key, "AK");
  EXPECT_EQ(fields->date, "20261207");
  EXPECT_EQ(fields->region, "eu-west-1");
  EXPECT_EQ(fields->service, "s3");
  EXPECT_EQ(fields->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  EXPECT_EQ(fields->signature, "abc");

  EXPECT_FALSE(parse_authorization("AWS AK:sig"));
  EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA256 Credential=AK/20261207/r/s/aws4_request"));
  EXPECT_FALSE(parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AK/20261207/r/s/x, SignedHeaders=host, Signature=a"));
  EXPECT_FALSE(parse_authorization(
      "AWS4-HMAC-SHA256 Credential=AK, SignedHeaders=host, Signature=a, Extra=b"));
}

TEST(SigV4Reference, ShowsWhatAClientGotWrong) {
  // Sign a request properly first, from a header naming the right scope and headers.
  const std::string placeholder =
      "AWS4-HMAC-SHA256 Credential=AK/20261207/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0";
  const auto good = expected_authorization(botocore_like(placeholder), "secret");
  EXPECT_EQ(expected_authorization(botocore_like(good), "secret"), good);

  auto tampered = botocore_like(good);
  tampered.path = "/bucket/other";
  EXPECT_NE(expected_authorization(tampered, "secret"), good);

  // SignedHeaders must be sorted; the reference writes them sorted, so the difference shows.
  const std::string unsorted =
      "AWS4-HMAC-SHA256 Credential=AK/20261207/us-east-1/s3/aws4_request, "
      "SignedHeaders=x-amz-date;host;x-amz-content-sha256, Signature=0";
  EXPECT_NE(expected_authorization(botocore_like(unsorted), "secret")
                .find("SignedHeaders=host;x-amz-content-sha256;x-amz-date"),
            std::string::npos);

  // A scope dated otherwise than x-amz-date.
  const std::string stale =
      "AWS4-HMAC-SHA256 Credential=AK/20261206/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0";
  EXPECT_NE(expected_authorization(botocore_like(stale), "secret").find("AK/20261207/"),
            std::string::npos);

  // A signed header that was not sent, and a request without what signing needs.
  const std::string phantom =
      "AWS4-HMAC-SHA256 Credential=AK/20261207/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;range;x-amz-date, Signature=0";
  EXPECT_THROW(expected_authorization(botocore_like(phantom), "secret"), std::invalid_argument);
  auto undated = botocore_like(good);
  undated.headers.erase(undated.headers.begin() + 1);
  EXPECT_THROW(expected_authorization(undated, "secret"), std::invalid_argument);
}

// --- The capture server, driven by libcurl ----------------------------------------------------

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

std::size_t keep_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

struct Answer {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
};

// One request on handle (reused across calls, so its connection is too).
Answer perform(CURL* curl, const std::string& url, const std::string& method,
               const std::string* body = nullptr, const std::vector<std::string>& headers = {}) {
  HeaderList list;
  for (const auto& header : headers) {
    list.reset(curl_slist_append(list.release(), header.c_str()));
  }
  Answer answer;
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  answer.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

TEST(CaptureServer, RecordsRequestsAndKeepsTheConnection) {
  CaptureServer server([](const CapturedRequest& request, std::size_t) {
    return CannedResponse{200, {{"ETag", "\"e\""}}, "you asked " + request.target};
  });
  const CurlHandle curl(curl_easy_init());
  const std::string body = "hello";
  const auto first = perform(curl.get(), server.url() + "/b/k%20ey?x=1&y", "PUT", &body,
                             {"Content-Type: text/plain", "X-Test:  spaced  "});
  ASSERT_EQ(first.code, CURLE_OK);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "you asked /b/k%20ey?x=1&y");
  const auto second = perform(curl.get(), server.url() + "/b/k", "GET");
  ASSERT_EQ(second.code, CURLE_OK);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].path(), "/b/k%20ey");
  EXPECT_EQ(requests[0].query(), "x=1&y");
  EXPECT_EQ(requests[0].header("content-type"), "text/plain");
  EXPECT_EQ(requests[0].header("x-test"), "spaced");
  EXPECT_EQ(requests[0].header("HOST"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(requests[0].body, "hello");
  EXPECT_EQ(requests[0].body_size, 5U);
  EXPECT_EQ(requests[0].body_sha256, sha256_hex("hello"));
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].body_sha256, kEmptySha256);
  EXPECT_EQ(requests[1].connection, requests[0].connection);
}

TEST(CaptureServer, ScriptsFailuresThenSuccess) {
  CaptureServer server([](const CapturedRequest&, std::size_t index) {
    if (index < 2) return CannedResponse{503, {{"Retry-After", "0"}}, "<Error>SlowDown</Error>"};
    return CannedResponse{200, {}, "ok"};
  });
  const CurlHandle curl(curl_easy_init());
  EXPECT_EQ(perform(curl.get(), server.url() + "/", "GET").status, 503);
  EXPECT_EQ(perform(curl.get(), server.url() + "/", "GET").status, 503);
  const auto third = perform(curl.get(), server.url() + "/", "GET");
  EXPECT_EQ(third.status, 200);
  EXPECT_EQ(third.body, "ok");
  EXPECT_EQ(server.requests().size(), 3U);
}

TEST(CaptureServer, ReadsChunkedAndLargeBodies) {
  CaptureServer server;
  const CurlHandle curl(curl_easy_init());

  // 3 MiB with Content-Length: libcurl asks "Expect: 100-continue" and must not wait for it.
  std::string large(std::size_t{3} << 20U, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i * 7 % 251);
  ASSERT_EQ(perform(curl.get(), server.url() + "/large", "PUT", &large).code, CURLE_OK);

  // Chunked: the body streamed by a read callback with no length known.
  std::string chunked_source = "a chunked body, sent in pieces";
  curl_easy_reset(curl.get());
  HeaderList headers(curl_slist_append(nullptr, "Transfer-Encoding: chunked"));
  std::string_view remaining = chunked_source;
  curl_easy_setopt(curl.get(), CURLOPT_URL, (server.url() + "/chunked").c_str());
  curl_easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_READDATA, &remaining);
  curl_easy_setopt(
      curl.get(), CURLOPT_READFUNCTION,
      +[](char* out, std::size_t size, std::size_t count, void* data) {
        auto* rest = static_cast<std::string_view*>(data);
        const auto n = std::min<std::size_t>({size * count, rest->size(), 7});
        std::copy_n(rest->data(), n, out);
        rest->remove_prefix(n);
        return n;
      });
  ASSERT_EQ(curl_easy_perform(curl.get()), CURLE_OK);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].body_size, large.size());
  EXPECT_EQ(requests[0].body_sha256, sha256_hex(large));
  EXPECT_EQ(requests[0].body.size(), large.size() > CapturedRequest::kKeptBody ? 0U : large.size());
  EXPECT_TRUE(requests[1].chunked);
  EXPECT_EQ(requests[1].body, chunked_source);
  EXPECT_EQ(requests[1].body_sha256, sha256_hex(chunked_source));
}

TEST(CaptureServer, AnswersHeadWithoutABodyAndCanDropOrClose) {
  CaptureServer server([](const CapturedRequest& request, std::size_t) {
    if (request.method == "HEAD") return CannedResponse{200, {{"Content-Length", "1234"}}, ""};
    CannedResponse response;
    if (request.path() == "/drop") {
      response.drop = true;
    } else {
      response.status = 204;
      response.close = true;
    }
    return response;
  });
  const CurlHandle curl(curl_easy_init());
  const auto head = perform(curl.get(), server.url() + "/k", "HEAD");
  EXPECT_EQ(head.code, CURLE_OK);
  curl_off_t length = -1;
  curl_easy_getinfo(curl.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  EXPECT_EQ(length, 1234);
  EXPECT_EQ(perform(curl.get(), server.url() + "/drop", "GET").code, CURLE_GOT_NOTHING);
  EXPECT_EQ(perform(curl.get(), server.url() + "/close", "DELETE").status, 204);
  EXPECT_EQ(perform(curl.get(), server.url() + "/after", "GET").status, 204);
  // libcurl sends a request again, once, on a new connection when a reused one closes without
  // an answer (it takes that for a keep-alive timeout), so /drop arrives twice.
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 5U);
  EXPECT_EQ(requests[1].path(), "/drop");
  EXPECT_EQ(requests[2].path(), "/drop");
  EXPECT_EQ(requests[0].connection, requests[1].connection);
  EXPECT_NE(requests[1].connection, requests[2].connection);
  EXPECT_NE(requests[2].connection, requests[3].connection);  // the dropped one is gone
  EXPECT_NE(requests[3].connection, requests[4].connection);  // closed after answering
}

// Raw bytes, for what libcurl does not send: pipelining, trailers, malformed requests.
std::string exchange(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) {
    ::close(fd);
    throw std::runtime_error("connect/send");
  }
  ::shutdown(fd, SHUT_WR);
  std::string out;
  std::array<char, 4096> buffer{};
  for (;;) {
    const auto got = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (got <= 0) break;
    out.append(buffer.data(), static_cast<std::size_t>(got));
  }
  ::close(fd);
  return out;
}

TEST(CaptureServer, ServesPipelinedRequestsWithTrailersAndRefusesGarbage) {
  CaptureServer server([](const CapturedRequest& request, std::size_t) {
    return CannedResponse{200, {}, request.method};
  });
  const auto answers = exchange(server.port(),
                                "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "3;ext=1\r\nabc\r\n0\r\nx-amz-checksum-crc32: NSRBwg==\r\n\r\n"
                                "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answers,
            "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nPOST"
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nGET");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].body, "abc");
  ASSERT_EQ(requests[0].trailers.size(), 1U);
  EXPECT_EQ(requests[0].trailers[0].first, "x-amz-checksum-crc32");
  EXPECT_EQ(requests[0].trailers[0].second, "NSRBwg==");

  EXPECT_EQ(exchange(server.port(), "NONSENSE\r\n\r\n").substr(0, 24), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(exchange(server.port(), "PUT / HTTP/1.1\r\nContent-Length: x\r\n\r\n").substr(0, 12),
            "HTTP/1.1 400");
  EXPECT_EQ(server.requests().size(), 2U);
}

// libcurl's own SigV4 (CURLOPT_AWS_SIGV4, what the S3 client uses) against the reference, for
// requests shaped like the client's: path-style, a key with characters to encode, the query
// already in canonical order, x-amz-content-sha256 set by the caller.
TEST(SigV4Reference, AgreesWithLibcurl) {
  CaptureServer server;
  const CurlHandle curl(curl_easy_init());
  const std::string body = "part bytes";
  struct Case {
    std::string method;
    std::string target;
    std::string payload;
  };
  const std::vector<Case> cases = {
      {"PUT", "/dokkerr-test/backups/a%20b%2Bc%24.tar?partNumber=1&uploadId=0f1e",
       sha256_hex(body)},
      {"PUT", "/dokkerr-test/backups/x.tar", "UNSIGNED-PAYLOAD"},
      {"GET", "/dokkerr-test?list-type=2&max-keys=10&prefix=backups%2F", std::string(kEmptySha256)},
      {"POST", "/dokkerr-test/backups/x.tar?uploads=", std::string(kEmptySha256)},
      {"DELETE", "/dokkerr-test/backups/x.tar", std::string(kEmptySha256)},
  };
  for (const auto& c : cases) {
    curl_easy_reset(curl.get());
    HeaderList headers(curl_slist_append(nullptr, ("x-amz-content-sha256: " + c.payload).c_str()));
    std::string ignored;
    curl_easy_setopt(curl.get(), CURLOPT_URL, (server.url() + c.target).c_str());
    curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, c.method.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl.get(), CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:s3");
    curl_easy_setopt(curl.get(), CURLOPT_USERPWD, "S3RVER:S3RVER");
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &ignored);
    if (c.method == "PUT") {
      curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(body.size()));
    }
    ASSERT_EQ(curl_easy_perform(curl.get()), CURLE_OK) << c.target;
  }
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), cases.size());
  for (const auto& request : requests) {
    const auto sent = request.header("authorization");
    ASSERT_TRUE(sent) << request.target;
    EXPECT_EQ(expected_authorization(request.signed_parts(), "S3RVER"), *sent) << request.target;
  }
}

}  // namespace
}  // namespace dokkerr::objects::testing
