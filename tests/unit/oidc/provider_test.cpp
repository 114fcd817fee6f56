#include "oidc/provider.hpp"

#include "oidc/http_client.hpp"
#include "unit/oidc/test_support.hpp"

#include <boost/url/parse.hpp>
#include <gtest/gtest.h>

#include <map>
#include <set>

namespace dokkerr::oidc {
namespace {

using namespace testing;

constexpr std::string_view kIssuer = "https://id.example.test";

boost::json::object discovery(std::string_view issuer) {
  const std::string base(issuer);
  return {{"issuer", issuer},
          {"authorization_endpoint", base + "/auth"},
          {"token_endpoint", base + "/token"},
          {"jwks_uri", base + "/jwks"},
          {"userinfo_endpoint", base + "/me"},
          {"id_token_signing_alg_values_supported", boost::json::array{"RS256", "ES256"}}};
}

std::string failure_code(const std::optional<Error>& error) {
  return error ? error->code() : "";
}

ProviderMetadata metadata() {
  return parse_provider_metadata(serialize(discovery(kIssuer)), kIssuer);
}

std::map<std::string, std::string> query_of(std::string_view url) {
  const auto parsed = boost::urls::parse_uri(url);
  EXPECT_TRUE(parsed);
  std::map<std::string, std::string> out;
  for (const auto& param : parsed->params()) out[param.key] = param.value;
  return out;
}

TEST(ProviderMetadataTest, ReadsTheDiscoveryDocument) {
  const auto m = metadata();
  EXPECT_EQ(m.issuer, kIssuer);
  EXPECT_EQ(m.authorization_endpoint, "https://id.example.test/auth");
  EXPECT_EQ(m.token_endpoint, "https://id.example.test/token");
  EXPECT_EQ(m.jwks_uri, "https://id.example.test/jwks");
  EXPECT_EQ(m.userinfo_endpoint, "https://id.example.test/me");
  EXPECT_EQ(m.id_token_signing_alg_values_supported, (std::vector<std::string>{"RS256", "ES256"}));
  auto without_userinfo = discovery(kIssuer);
  without_userinfo.erase("userinfo_endpoint");
  EXPECT_TRUE(
      parse_provider_metadata(serialize(without_userinfo), kIssuer).userinfo_endpoint.empty());
}

TEST(ProviderMetadataTest, TheIssuerMustBeIdentical) {
  for (const std::string_view configured :
       {"https://id.example.test/", "https://ID.example.test", "https://id.example.test/realm",
        "http://id.example.test"}) {
    const auto error =
        error_of([&] { parse_provider_metadata(serialize(discovery(kIssuer)), configured); });
    ASSERT_TRUE(error) << configured;
    EXPECT_EQ(error->code(), "oidc_issuer_mismatch");
    EXPECT_EQ(error->kind(), ErrorKind::bad_gateway);
  }
}

TEST(ProviderMetadataTest, RefusesUnusableDocuments) {
  const auto code = [](const boost::json::object& document) {
    return failure_code(error_of([&] { parse_provider_metadata(serialize(document), kIssuer); }));
  };
  for (const char* member : {"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
                             "id_token_signing_alg_values_supported"}) {
    auto d = discovery(kIssuer);
    d.erase(member);
    EXPECT_EQ(code(d), "oidc_invalid_provider_response") << member;
  }
  for (const char* url : {"ftp://id.example.test/token", "/token", "https://u:p@id.example.test/t",
                          "https://id.example.test/token#x", "javascript:alert(1)"}) {
    auto d = discovery(kIssuer);
    d["token_endpoint"] = url;
    EXPECT_EQ(code(d), "oidc_invalid_provider_response") << url;
  }
  auto d = discovery(kIssuer);
  d["jwks_uri"] = 5;
  EXPECT_EQ(code(d), "oidc_invalid_provider_response");
  d = discovery(kIssuer);
  d["id_token_signing_alg_values_supported"] = boost::json::array{"PS256", "HS256", "none"};
  EXPECT_EQ(code(d), "oidc_unsupported_provider");
  EXPECT_EQ(failure_code(error_of([] { parse_provider_metadata("[]", kIssuer); })),
            "oidc_invalid_provider_response");
}

TEST(AuthorizationTest, BuildsAPkceRequestWithFreshSecrets) {
  const auto m = metadata();
  const auto request =
      begin_authorization(m, "dokkerr", "https://dokkerr.example.test/cb?x=1", {"email", "groups"});
  ASSERT_EQ(request.url.rfind("https://id.example.test/auth?", 0), 0U) << request.url;
  const auto q = query_of(request.url);
  EXPECT_EQ(q.at("response_type"), "code");
  EXPECT_EQ(q.at("client_id"), "dokkerr");
  EXPECT_EQ(q.at("redirect_uri"), "https://dokkerr.example.test/cb?x=1");
  EXPECT_EQ(q.at("scope"), "openid email groups");
  EXPECT_EQ(q.at("state"), request.state);
  EXPECT_EQ(q.at("nonce"), request.nonce);
  EXPECT_EQ(q.at("code_challenge_method"), "S256");
  EXPECT_EQ(q.at("code_challenge"),
            crypto::base64url_encode(crypto::sha256(request.code_verifier)));
  EXPECT_EQ(q.count("code_verifier"), 0U);
  // 256 bits each, base64url without padding; RFC 7636 wants 43 to 128 verifier characters.
  for (const auto* secret : {&request.state, &request.nonce, &request.code_verifier}) {
    EXPECT_EQ(secret->size(), 43U);
    EXPECT_EQ(crypto::base64url_decode(*secret)->size(), 32U);
  }
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    const auto r = begin_authorization(m, "dokkerr", "https://d.example.test/cb", {});
    EXPECT_TRUE(seen.insert(r.state).second);
    EXPECT_TRUE(seen.insert(r.nonce).second);
    EXPECT_TRUE(seen.insert(r.code_verifier).second);
  }
}

TEST(AuthorizationTest, ScopesAndEndpointsWithAQuery) {
  auto m = metadata();
  m.authorization_endpoint = "https://id.example.test/auth?tenant=a";
  const auto request = begin_authorization(m, "dokkerr", "https://d/cb", {"openid", "profile"});
  const auto q = query_of(request.url);
  EXPECT_EQ(q.at("tenant"), "a");
  EXPECT_EQ(q.at("scope"), "openid profile");
  for (const std::string& bad :
       {std::string(), std::string("a b"), std::string("a\nb"), std::string("quote\"")}) {
    const auto error = error_of([&] { begin_authorization(m, "dokkerr", "https://d/cb", {bad}); });
    EXPECT_EQ(failure_code(error), "oidc_invalid_scope");
  }
}

TEST(AuthorizationTest, TheCallbackMustMatchTheLogin) {
  const auto m = metadata();
  const std::string iss = "iss=https%3A%2F%2Fid.example.test";
  const auto code = [&](std::string_view query, std::string_view state = "s1") {
    return failure_code(error_of([&] { authorization_code_from_callback(m, state, query); }));
  };
  EXPECT_EQ(authorization_code_from_callback(m, "s1", "code=abc&state=s1&" + iss), "abc");
  EXPECT_EQ(authorization_code_from_callback(m, "s1", "state=s1&code=abc"), "abc");  // no iss
  EXPECT_EQ(code("code=abc&state=s2"), "oidc_state_mismatch");
  EXPECT_EQ(code("code=abc"), "oidc_state_mismatch");
  EXPECT_EQ(code("code=abc&state="), "oidc_state_mismatch");
  EXPECT_EQ(code("code=abc&state=", ""), "oidc_state_mismatch");
  EXPECT_EQ(code("code=abc&state=s1&state=s2"), "oidc_invalid_callback");
  EXPECT_EQ(code("code=abc&code=def&state=s1"), "oidc_invalid_callback");
  EXPECT_EQ(code("code=abc&state=s1&iss=https%3A%2F%2Fevil.example.test"), "oidc_issuer_mismatch");
  EXPECT_EQ(code("error=access_denied&state=s1&" + iss), "oidc_access_denied");
  EXPECT_EQ(code("error=server_error&state=s1"), "oidc_authorization_failed");
  EXPECT_EQ(code("error=access_denied&state=other"), "oidc_state_mismatch");
  EXPECT_EQ(code("state=s1"), "oidc_invalid_callback");
  EXPECT_EQ(code("state=s1&code="), "oidc_invalid_callback");
}

// ---- over HTTP, against a loopback server that answers once -------------------------------------

TEST(ProviderHttpTest, DiscoversOverHttp) {
  OneShotServer server;
  // An issuer with a trailing slash: dropped to build the URL, kept for the comparison.
  server.serve(http_response(200, serialize(discovery(server.url() + "/"))));
  const auto m = discover(server.url() + "/");
  const auto request = server.request();
  EXPECT_EQ(request.rfind("GET /.well-known/openid-configuration HTTP/1.1\r\n", 0), 0U) << request;
  EXPECT_EQ(m.issuer, server.url() + "/");
  EXPECT_EQ(m.token_endpoint, server.url() + "//token");
}

TEST(ProviderHttpTest, ConfiguredIssuerMustBeAnHttpUrl) {
  for (const char* issuer :
       {"", "id.example.test", "file:///etc/passwd", "https://id.example.test?a=1",
        "https://id.example.test/#f", "gopher://id.example.test"}) {
    const auto error = error_of([&] { discover(issuer); });
    ASSERT_TRUE(error) << issuer;
    EXPECT_EQ(error->code(), "oidc_invalid_issuer");
    EXPECT_EQ(error->kind(), ErrorKind::invalid);
  }
}

TEST(ProviderHttpTest, AnUnreachableProviderIsABadGateway) {
  std::string url;
  {
    OneShotServer closed;  // a port that was free a moment ago and has nobody listening now
    url = closed.url();
  }
  const auto error = error_of([&] { discover(url); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), ErrorKind::bad_gateway);
  EXPECT_EQ(error->code(), "oidc_provider_unavailable");
}

TEST(ProviderHttpTest, RedirectsAreNotFollowed) {
  OneShotServer server;
  server.serve(http_response(302, "", "Location: http://127.0.0.1:1/elsewhere\r\n"));
  const auto error = error_of([&] { discover(server.url()); });
  EXPECT_EQ(failure_code(error), "oidc_discovery_failed");
}

TEST(ProviderHttpTest, ServerErrorsMeanUnavailable) {
  OneShotServer server;
  server.serve(http_response(503, "{}"));
  EXPECT_EQ(failure_code(error_of([&] { discover(server.url()); })), "oidc_provider_unavailable");
}

TEST(ProviderHttpTest, AnswersAreBoundedTo1MiB) {
  OneShotServer declared;  // Content-Length says it up front
  declared.serve(http_response(200, std::string(kMaxResponseBytes + 1, ' ')));
  EXPECT_EQ(failure_code(error_of([&] { discover(declared.url()); })),
            "oidc_invalid_provider_response");

  OneShotServer streamed;  // no length: the bound has to hold while reading
  streamed.serve("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" +
                 std::string(kMaxResponseBytes + 4096, ' '));
  EXPECT_EQ(failure_code(error_of([&] { discover(streamed.url()); })),
            "oidc_invalid_provider_response");
}

TEST(ProviderHttpTest, ExchangesTheCodeWithClientSecretBasic) {
  OneShotServer server;
  auto m = metadata();
  m.token_endpoint = server.url() + "/token";
  server.serve(
      http_response(200, R"({"id_token":"a.b.c","access_token":"at","token_type":"Bearer"})"));
  const auto tokens = exchange_code(m, "dokkerr client", "s3cr:t+%", "the-code",
                                    "https://d.example.test/cb?x=1&y", "verifier-123");
  EXPECT_EQ(tokens.id_token, "a.b.c");
  EXPECT_EQ(tokens.access_token, "at");

  const auto request = server.request();
  EXPECT_EQ(request.rfind("POST /token HTTP/1.1\r\n", 0), 0U) << request;
  // RFC 6749 §2.3.1: id and secret are form-encoded before base64.
  EXPECT_NE(request.find("Authorization: Basic " +
                         crypto::base64_encode("dokkerr%20client:s3cr%3At%2B%25") + "\r\n"),
            std::string::npos)
      << request;
  EXPECT_NE(request.find("Content-Type: application/x-www-form-urlencoded"), std::string::npos);
  const auto body = request.substr(request.find("\r\n\r\n") + 4);
  EXPECT_EQ(body,
            "grant_type=authorization_code&code=the-code&redirect_uri=https%3A%2F%2Fd.example.test"
            "%2Fcb%3Fx%3D1%26y&code_verifier=verifier-123");
  EXPECT_EQ(body.find("client_secret"), std::string::npos);
}

TEST(ProviderHttpTest, MapsTokenEndpointRefusals) {
  const auto exchange = [](int status, std::string_view body) {
    OneShotServer server;
    auto m = metadata();
    m.token_endpoint = server.url() + "/token";
    server.serve(http_response(status, body));
    return error_of([&] { exchange_code(m, "c", "s", "code", "https://d/cb", "v"); });
  };
  auto error = exchange(400, R"({"error":"invalid_grant","error_description":"used"})");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), ErrorKind::unauthorized);
  EXPECT_EQ(error->code(), "oidc_invalid_grant");
  error = exchange(401, R"({"error":"invalid_client"})");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind(), ErrorKind::bad_gateway);
  EXPECT_EQ(error->code(), "oidc_client_rejected");
  EXPECT_EQ(failure_code(exchange(400, R"({"error":"invalid_request"})")),
            "oidc_token_request_rejected");
  EXPECT_EQ(failure_code(exchange(502, "")), "oidc_provider_unavailable");
  EXPECT_EQ(failure_code(exchange(200, R"({"access_token":"at"})")),
            "oidc_invalid_provider_response");
  EXPECT_EQ(failure_code(exchange(200, R"({"id_token":1,"access_token":"at"})")),
            "oidc_invalid_provider_response");
  EXPECT_EQ(failure_code(exchange(200, "<html>")), "oidc_invalid_provider_response");
}

TEST(HttpClientTest, FormEncodingAndUrls) {
  EXPECT_EQ(form_encode("aZ09-._~ /:+%é"), "aZ09-._~%20%2F%3A%2B%25%C3%A9");
  EXPECT_TRUE(is_http_url("http://127.0.0.1:8080/x"));
  EXPECT_TRUE(is_http_url("HTTPS://id.example.test"));
  EXPECT_FALSE(is_http_url("https://"));
  EXPECT_FALSE(is_http_url("file:///etc/passwd"));
  EXPECT_FALSE(is_http_url("https://user@id.example.test/"));
  EXPECT_FALSE(is_http_url("//id.example.test/"));
  EXPECT_FALSE(is_http_url("https://id.example.test/#top"));
}

}  // namespace
}  // namespace dokkerr::oidc
