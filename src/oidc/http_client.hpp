#pragma once
// The relying party's only way out to an OpenID provider: one blocking libcurl request with
// fixed bounds, so a slow or hostile provider can hold a pool thread for at most ten seconds
// and hand us at most 1 MiB. Redirects are never followed: the discovery document, the token
// endpoint and the JWKS must answer at the address the configuration names.
#include <cstddef>
#include <string>
#include <string_view>

namespace dokkerr::oidc {

inline constexpr long kConnectTimeoutMs = 5'000;
inline constexpr long kTotalTimeoutMs = 10'000;
inline constexpr std::size_t kMaxResponseBytes = 1024 * 1024;

struct HttpRequest {
  std::string url;            // http:// or https:// only
  std::string form_body;      // empty: GET; otherwise POST application/x-www-form-urlencoded
  std::string authorization;  // the Authorization header's value, when not empty
};

struct HttpResponse {
  long status = 0;
  std::string content_type;
  std::string body;
};

// Any answer with a status is returned, whatever the status. Errors (ErrorKind::bad_gateway):
// "oidc_provider_unavailable" (refused, timed out, TLS failure, not http/https),
// "oidc_invalid_provider_response" (body over kMaxResponseBytes).
HttpResponse http_request(const HttpRequest& request);

// application/x-www-form-urlencoded value: unreserved characters kept, everything else %XX
// (a space too, so that decoders which do not map '+' agree).
std::string form_encode(std::string_view value);

// HTTP Basic credentials as RFC 6749 §2.3.1 wants them: id and secret form-encoded first.
std::string basic_authorization(std::string_view user, std::string_view password);

// An absolute http or https URL with a host, no user info and no fragment.
bool is_http_url(std::string_view url);

}  // namespace dokkerr::oidc
