#pragma once
// The relying party's conversation with an OpenID provider (OpenID Connect Core 1.0, the
// authorization code flow with PKCE S256, RFC 7636): discovery, the authorization request,
// the callback, the code exchange and the provider's keys. Every call that talks to the
// provider blocks for up to ten seconds (oidc/http_client.hpp): run them on the BlockingPool.
//
// Errors talking to the provider are ErrorKind::bad_gateway: "oidc_provider_unavailable" (no
// answer, or a 5xx), "oidc_invalid_provider_response" (an answer we cannot use). What the
// user did wrong, or an attacker tried, is ErrorKind::unauthorized.
#include "oidc/jwks.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::oidc {

struct ProviderMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  std::string userinfo_endpoint;  // empty when the provider has none
  std::vector<std::string> id_token_signing_alg_values_supported;
};

// GET issuer + "/.well-known/openid-configuration" (one trailing '/' of the issuer dropped
// first, OpenID Connect Discovery §4), then parse_provider_metadata. Errors besides the above:
// invalid "oidc_invalid_issuer" (the configured issuer is not an http(s) URL without query and
// fragment), bad_gateway "oidc_discovery_failed" (a status other than 200 or 5xx).
ProviderMetadata discover(std::string_view issuer);

// The discovery document's checks: "issuer" identical to the configured issuer (bad_gateway
// "oidc_issuer_mismatch", a mix-up defence), http(s) URLs for the authorization, token and JWKS
// endpoints, and RS256 or ES256 among id_token_signing_alg_values_supported (bad_gateway
// "oidc_unsupported_provider" otherwise). Anything else malformed: bad_gateway
// "oidc_invalid_provider_response".
ProviderMetadata parse_provider_metadata(std::string_view json, std::string_view issuer);

// GET jwks_uri, then JwkSet::parse. A caller that meets "oidc_unknown_key" from
// verify_id_token calls this once more (the provider may have rotated its keys), not in a loop.
JwkSet fetch_jwks(const ProviderMetadata& metadata);

// What the caller keeps server-side until the callback, bound to the user agent that started
// the login: all three are single-use secrets.
struct AuthorizationRequest {
  std::string url;  // where the user agent goes next
  std::string state;
  std::string nonce;
  std::string code_verifier;
};

// state, nonce and the PKCE verifier are 256 random bits each, base64url (43 characters); the
// challenge is S256. "openid" is added to the scopes when missing. Error invalid
// "oidc_invalid_scope" for an empty scope or one with a space or control character.
AuthorizationRequest begin_authorization(const ProviderMetadata& metadata,
                                         std::string_view client_id, std::string_view redirect_uri,
                                         const std::vector<std::string>& scopes);

// Reads the callback's query string (without '?') and returns the authorization code. Checks,
// all ErrorKind::unauthorized: "error" present → "oidc_access_denied" (the user or the provider
// refused) or "oidc_authorization_failed"; state not identical → "oidc_state_mismatch"; an
// "iss" parameter (RFC 9207) other than the issuer → "oidc_issuer_mismatch"; no code →
// "oidc_invalid_callback".
std::string authorization_code_from_callback(const ProviderMetadata& metadata,
                                             std::string_view expected_state,
                                             std::string_view query);

struct TokenResponse {
  std::string id_token;
  std::string access_token;
};

// POST to the token endpoint with client_secret_basic. Errors besides the above: unauthorized
// "oidc_invalid_grant" (the code is unknown, used, expired, or the verifier or redirect URI does
// not match), bad_gateway "oidc_client_rejected" (the provider refuses our client credentials),
// bad_gateway "oidc_token_request_rejected" (any other refusal).
TokenResponse exchange_code(const ProviderMetadata& metadata, std::string_view client_id,
                            std::string_view client_secret, std::string_view code,
                            std::string_view redirect_uri, std::string_view code_verifier);

}  // namespace dokkerr::oidc
