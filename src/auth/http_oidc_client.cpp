#include "auth/oidc_provider_client.hpp"
#include "core/blocking_pool.hpp"

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;

class HttpOidcClient final : public OidcProviderClient {
 public:
  explicit HttpOidcClient(BlockingPool& pool) : pool_(pool) {}

  asio::awaitable<oidc::ProviderMetadata> discover(std::string issuer) override {
    auto discover = [&issuer] { return oidc::discover(issuer); };
    co_return co_await pool_.run(discover);
  }

  asio::awaitable<std::shared_ptr<const oidc::JwkSet>> fetch_keys(
      oidc::ProviderMetadata metadata) override {
    auto fetch = [&metadata] {
      return std::make_shared<const oidc::JwkSet>(oidc::fetch_jwks(metadata));
    };
    co_return co_await pool_.run(fetch);
  }

  asio::awaitable<oidc::TokenResponse> exchange_code(CodeExchange request) override {
    auto exchange = [&request] {
      return oidc::exchange_code(request.metadata, request.client_id, request.client_secret,
                                 request.code, request.redirect_uri, request.code_verifier);
    };
    co_return co_await pool_.run(exchange);
  }

 private:
  BlockingPool& pool_;
};

}  // namespace

std::unique_ptr<OidcProviderClient> make_http_oidc_client(BlockingPool& pool) {
  return std::make_unique<HttpOidcClient>(pool);
}

}  // namespace dokkerr::auth
