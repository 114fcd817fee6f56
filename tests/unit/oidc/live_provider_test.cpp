// Against the real provider of scripts/testenv/oidc.sh, when DOKKERR_TEST_OIDC_ISSUER names it:
//
//   scripts/testenv/oidc.sh start && eval "$(scripts/testenv/oidc.sh env | sed 's/^/export /')"
//
// The login is driven the way scripts/testenv/oidc-provider/README.md describes, with a cookie
// jar and no browser.
#include "oidc/id_token.hpp"
#include "oidc/provider.hpp"
#include "unit/oidc/test_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <gtest/gtest.h>

#include <ctime>
#include <curl/curl.h>

namespace dokkerr::oidc {
namespace {

using namespace testing;

struct Client {
  std::string id;
  std::string secret;
};

struct Live {
  std::string issuer;
  Client first;
  Client second;
  std::string redirect_uri;
};

std::optional<Live> live() {
  const auto issuer = env("DOKKERR_TEST_OIDC_ISSUER");
  if (!issuer) return std::nullopt;
  Live out;
  out.issuer = *issuer;
  out.first = {env("DOKKERR_TEST_OIDC_CLIENT_ID").value_or("dokkerr-test"),
               env("DOKKERR_TEST_OIDC_CLIENT_SECRET").value_or("dokkerr-test-secret")};
  out.second = {env("DOKKERR_TEST_OIDC_CLIENT2_ID").value_or("dokkerr-test-es256"),
                env("DOKKERR_TEST_OIDC_CLIENT2_SECRET").value_or("dokkerr-test-es256-secret")};
  // The first registered URI. One without a port matches any port; this one is never called.
  std::string registered =
      env("DOKKERR_TEST_OIDC_REDIRECT_URIS").value_or("http://127.0.0.1/callback");
  registered = registered.substr(0, registered.find(','));
  const auto parsed = boost::urls::parse_uri(registered);
  if (parsed && parsed->host() == "127.0.0.1" && !parsed->has_port()) {
    registered.insert(std::string("http://127.0.0.1").size(), ":9");
  }
  out.redirect_uri = registered;
  return out;
}

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// A user agent without a browser: a cookie jar, and redirects followed by hand so that the
// final one, to the client's redirect URI, is read instead of requested.
class UserAgent {
 public:
  UserAgent() : curl_(curl_easy_init(), curl_easy_cleanup) {
    if (!curl_) throw std::runtime_error("curl_easy_init failed");
    curl_easy_setopt(curl_.get(), CURLOPT_COOKIEFILE, "");  // in-memory cookie engine
    curl_easy_setopt(curl_.get(), CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl_.get(), CURLOPT_TIMEOUT_MS, 10'000L);
    curl_easy_setopt(curl_.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_.get(), CURLOPT_WRITEFUNCTION, &append);
    curl_easy_setopt(curl_.get(), CURLOPT_WRITEDATA, static_cast<void*>(&body_));
  }

  // Starts at `url`; on the provider's /interaction/<uid> page submits `fields` (e.g.
  // "login=alice"); returns the query string of the redirect to `redirect_uri`.
  std::string authorize(std::string url, std::string_view redirect_uri, std::string_view fields) {
    for (int hop = 0; hop < 10; ++hop) {
      if (url.substr(0, url.find('?')) == redirect_uri) {
        const auto q = url.find('?');
        return q == std::string::npos ? std::string() : url.substr(q + 1);
      }
      if (url.find("/interaction/") != std::string::npos) {
        url += (url.find('?') == std::string::npos ? "?" : "&") + std::string(fields);
      }
      body_.clear();
      curl_easy_setopt(curl_.get(), CURLOPT_URL, url.c_str());
      const CURLcode result = curl_easy_perform(curl_.get());
      if (result != CURLE_OK) {
        throw std::runtime_error(url + ": " + curl_easy_strerror(result));
      }
      long status = 0;
      char* location = nullptr;
      curl_easy_getinfo(curl_.get(), CURLINFO_RESPONSE_CODE, &status);
      curl_easy_getinfo(curl_.get(), CURLINFO_REDIRECT_URL, &location);
      if ((status != 302 && status != 303) || location == nullptr) {
        throw std::runtime_error(url + " answered " + std::to_string(status) + ": " + body_);
      }
      url = location;
    }
    throw std::runtime_error("more than 10 redirects");
  }

 private:
  static std::size_t append(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
  }

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl_;
  std::string body_;
};

class LiveProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto found = live();
    if (!found) GTEST_SKIP() << "DOKKERR_TEST_OIDC_ISSUER is not set (scripts/testenv/oidc.sh)";
    live_ = std::move(*found);
    metadata_ = discover(live_.issuer);
  }

  std::string header_alg(std::string_view token) {
    const auto header = crypto::base64url_decode(token.substr(0, token.find('.')));
    return std::string(boost::json::parse(*header).as_object().at("alg").as_string());
  }

  Live live_;
  ProviderMetadata metadata_;
};

TEST_F(LiveProviderTest, LogsInAndVerifiesTheIdToken) {
  EXPECT_EQ(metadata_.issuer, live_.issuer);
  const auto& client = live_.first;
  const auto request =
      begin_authorization(metadata_, client.id, live_.redirect_uri, {"email", "profile", "groups"});
  UserAgent agent;
  const auto query = agent.authorize(request.url, live_.redirect_uri, "login=alice");
  const auto code = authorization_code_from_callback(metadata_, request.state, query);
  const auto tokens = exchange_code(metadata_, client.id, client.secret, code, live_.redirect_uri,
                                    request.code_verifier);
  EXPECT_EQ(header_alg(tokens.id_token), "RS256");
  const auto keys = fetch_jwks(metadata_);
  const auto claims =
      verify_id_token(tokens.id_token, keys, metadata_.issuer, client.id, request.nonce, now());
  EXPECT_EQ(claims.sub, "alice");
  EXPECT_EQ(claims.email, "alice@example.test");
  EXPECT_TRUE(claims.email_verified);
  EXPECT_EQ(claims.name, "Alice Example");
  EXPECT_EQ(claims.preferred_username, "alice");
  EXPECT_EQ(claims.groups, (std::vector<std::string>{"platform", "qa"}));

  // A code works once.
  const auto replay = error_of([&] {
    exchange_code(metadata_, client.id, client.secret, code, live_.redirect_uri,
                  request.code_verifier);
  });
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->code(), "oidc_invalid_grant");
  EXPECT_EQ(replay->kind(), ErrorKind::unauthorized);

  // The token belongs to this login only.
  const auto other_login = error_of([&] {
    verify_id_token(tokens.id_token, keys, metadata_.issuer, client.id, "another-nonce", now());
  });
  ASSERT_TRUE(other_login);
  EXPECT_EQ(other_login->code(), "oidc_nonce_mismatch");
}

TEST_F(LiveProviderTest, ATokenForTheSecondClientFailsTheAudienceCheck) {
  const auto& second = live_.second;
  const auto request = begin_authorization(metadata_, second.id, live_.redirect_uri, {"email"});
  UserAgent agent;
  const auto code = authorization_code_from_callback(
      metadata_, request.state, agent.authorize(request.url, live_.redirect_uri, "login=bob"));
  const auto tokens = exchange_code(metadata_, second.id, second.secret, code, live_.redirect_uri,
                                    request.code_verifier);
  EXPECT_EQ(header_alg(tokens.id_token), "ES256");
  const auto keys = fetch_jwks(metadata_);
  const auto claims =
      verify_id_token(tokens.id_token, keys, metadata_.issuer, second.id, request.nonce, now());
  EXPECT_EQ(claims.sub, "bob");
  EXPECT_FALSE(claims.email_verified);

  const auto error = error_of([&] {
    verify_id_token(tokens.id_token, keys, metadata_.issuer, live_.first.id, request.nonce, now());
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), "oidc_audience_mismatch");
}

TEST_F(LiveProviderTest, TheCodeNeedsItsVerifierAndItsClient) {
  const auto& client = live_.first;
  const auto request = begin_authorization(metadata_, client.id, live_.redirect_uri, {});
  UserAgent agent;
  const auto code = authorization_code_from_callback(
      metadata_, request.state, agent.authorize(request.url, live_.redirect_uri, "login=carol"));
  const auto other = begin_authorization(metadata_, client.id, live_.redirect_uri, {});
  const auto wrong_verifier = error_of([&] {
    exchange_code(metadata_, client.id, client.secret, code, live_.redirect_uri,
                  other.code_verifier);
  });
  EXPECT_EQ(wrong_verifier ? wrong_verifier->code() : "", "oidc_invalid_grant");
  const auto wrong_secret = error_of([&] {
    exchange_code(metadata_, client.id, "not-the-secret", code, live_.redirect_uri,
                  request.code_verifier);
  });
  EXPECT_EQ(wrong_secret ? wrong_secret->code() : "", "oidc_client_rejected");
}

TEST_F(LiveProviderTest, ANonceChangedOnTheWayIsRefused) {
  // What an integration test does to the server's login: rewrite the nonce in the
  // authorization URL before following it; the provider signs the rewritten one.
  const auto& client = live_.first;
  const auto request = begin_authorization(metadata_, client.id, live_.redirect_uri, {});
  std::string url = request.url;
  const auto at = url.find("nonce=" + request.nonce);
  ASSERT_NE(at, std::string::npos);
  url.replace(at + 6, request.nonce.size(), "chosen-by-the-attacker");
  UserAgent agent;
  const auto code = authorization_code_from_callback(
      metadata_, request.state, agent.authorize(url, live_.redirect_uri, "login=alice"));
  const auto tokens = exchange_code(metadata_, client.id, client.secret, code, live_.redirect_uri,
                                    request.code_verifier);
  const auto error = error_of([&] {
    verify_id_token(tokens.id_token, fetch_jwks(metadata_), metadata_.issuer, client.id,
                    request.nonce, now());
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), "oidc_nonce_mismatch");
}

TEST_F(LiveProviderTest, ADeniedLoginReachesTheCallbackAsAnError) {
  const auto request = begin_authorization(metadata_, live_.first.id, live_.redirect_uri, {});
  UserAgent agent;
  const auto query = agent.authorize(request.url, live_.redirect_uri, "deny=1");
  const auto error =
      error_of([&] { authorization_code_from_callback(metadata_, request.state, query); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), "oidc_access_denied");
}

TEST_F(LiveProviderTest, DiscoveryInsistsOnTheExactIssuer) {
  const auto error = error_of([&] { discover(live_.issuer + "/"); });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), "oidc_issuer_mismatch");
}

}  // namespace
}  // namespace dokkerr::oidc
