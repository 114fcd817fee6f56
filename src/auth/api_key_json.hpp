#pragma once
// API keys as the API takes and shows them.
#include "auth/api_key_service.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::auth {

// POST /api-keys: {name, scopes, team_id?, expires_at?}. expires_at is an RFC 3339 time
// (YYYY-MM-DDTHH:MM:SS[.fraction] with Z or ±HH:MM), kept in the server's own form (400
// invalid_body otherwise).
NewApiKey parse_new_api_key(std::string_view body);

// The key as listed (never the key or its hash).
boost::json::object api_key_object(const ApiKeyRecord& key);
// The key as created: the one time its value is shown.
std::string created_api_key_json(const CreatedApiKey& created);

// An RFC 3339 time as the server stores times: UTC with milliseconds, so that comparing stamps
// as strings compares the instants. nullopt when the text is not such a time or falls outside
// the years 1970–9999.
std::optional<std::string> utc_stamp(std::string_view text);

}  // namespace dokkerr::auth
