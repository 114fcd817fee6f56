#pragma once
// Boost.JSON helpers for request bodies: parse with bounds, and typed field access whose
// errors name the field (400 invalid_body).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::json {

// Parses a request body that must be a JSON object. Empty body → empty object when
// allow_empty. Errors: invalid "invalid_json" (syntax, depth > 64, duplicate keys are allowed
// here; the security policy layer checks them separately), invalid "invalid_body" (not an object).
boost::json::object parse_object(std::string_view body, bool allow_empty = false);
boost::json::value parse(std::string_view body);

// Typed, optional field access: absent or null → std::nullopt; present with the wrong type →
// Error invalid "invalid_body" naming the field.
std::optional<std::string> optional_string(const boost::json::object& object, std::string_view key);
std::string required_string(const boost::json::object& object, std::string_view key);
std::optional<bool> optional_bool(const boost::json::object& object, std::string_view key);
std::optional<std::int64_t> optional_int(const boost::json::object& object, std::string_view key);
const boost::json::object* optional_object(const boost::json::object& object, std::string_view key);
const boost::json::array* optional_array(const boost::json::object& object, std::string_view key);

// Refuses members outside `allowed` with invalid "unknown_field" naming the first one: the one
// check every body with a fixed set of fields goes through, so nobody can set what a route does
// not offer (e.g. {"is_admin": true} on their own profile) and no typo passes silently.
void only_fields(const boost::json::object& object, std::initializer_list<std::string_view> allowed);

// A list of strings (permission sets, scopes, commands, ids) as a JSON array, in the order given.
template <typename Strings>
boost::json::array string_array(const Strings& strings) {
  boost::json::array out;
  out.reserve(strings.size());
  for (const auto& item : strings) out.emplace_back(item);
  return out;
}

// The strings of a JSON array we stored ourselves (permission lists, scopes); anything else in
// it is skipped, and text that is not an array gives an empty list.
std::vector<std::string> stored_string_list(std::string_view text);

}  // namespace dokkerr::json
