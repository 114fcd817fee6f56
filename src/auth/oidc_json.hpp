#pragma once
// OpenID sign-in as the API takes and shows it: provider bodies and views, and the binding
// cookie of a pending login.
#include "auth/oidc_service.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::auth {

// POST /auth/oidc/providers: {name, issuer, client_id, client_secret, redirect_uri, scopes?,
// team_mapping?, enabled?}; each mapping {claim, value, team_id, role}.
OidcProviderInput parse_provider_input(std::string_view body);
// A PATCH body: the same fields, each optional.
OidcProviderPatch parse_provider_patch(std::string_view body);

// A provider for admins (never its client secret), and for the login page (id and name).
boost::json::object provider_object(const OidcProviderRecord& provider);
std::string provider_json(const OidcProviderRecord& provider);
boost::json::object public_provider_object(const OidcProviderRecord& provider);

// A cookie's value from a Cookie header ("a=1; b=2"), or nullopt.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);
// The cookie that binds a pending login to the user agent that started it: sent back only to
// the callback, never readable by scripts, and carried on the provider's top-level redirect.
// An empty value with max_age 0 clears it.
std::string binding_cookie(std::string_view value, std::int64_t max_age, bool secure);

}  // namespace dokkerr::auth
