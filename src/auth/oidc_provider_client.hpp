#pragma once
// The calls Dokkerr makes to an OpenID provider (discovery, its signing keys, the code
// exchange), behind a port so that the OIDC flow's unit test can stand in for the provider.
// make_http_oidc_client is the real one: oidc/provider.hpp over HTTP, each call (up to 10 s)
// on a pool of its own, apart from database work.
#include "oidc/jwks.hpp"
#include "oidc/provider.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

namespace dokkerr {
class BlockingPool;
}

namespace dokkerr::auth {

struct CodeExchange {
  oidc::ProviderMetadata metadata;
  std::string client_id, client_secret, code, redirect_uri, code_verifier;
};

class OidcProviderClient {
 public:
  virtual ~OidcProviderClient() = default;
  virtual boost::asio::awaitable<oidc::ProviderMetadata> discover(std::string issuer) = 0;
  virtual boost::asio::awaitable<std::shared_ptr<const oidc::JwkSet>> fetch_keys(
      oidc::ProviderMetadata metadata) = 0;
  virtual boost::asio::awaitable<oidc::TokenResponse> exchange_code(CodeExchange request) = 0;
};

std::unique_ptr<OidcProviderClient> make_http_oidc_client(BlockingPool& pool);

}  // namespace dokkerr::auth
