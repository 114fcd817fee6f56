#include "core/json.hpp"

#include "core/error.hpp"
#include "core/json_path.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace dokkerr::json {
namespace {

Error wrong_type(std::string_view key, std::string_view expected) {
  return Error::invalid("invalid_body",
                        "Field '" + std::string(key) + "' must be " + std::string(expected) + ".");
}

}  // namespace

boost::json::value parse(std::string_view body) {
  boost::json::parse_options options;
  options.max_depth = 64;
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec, {}, options);
  if (ec) {
    throw Error::invalid("invalid_json",
                         "The request body is not valid JSON: " + ec.message() + ".");
  }
  return value;
}

boost::json::object parse_object(std::string_view body, bool allow_empty) {
  if (body.empty() && allow_empty) {
    return {};
  }
  auto value = parse(body);
  if (!value.is_object()) {
    throw Error::invalid("invalid_body", "The request body must be a JSON object.");
  }
  return std::move(value.as_object());
}

std::optional<std::string> optional_string(const boost::json::object& object,
                                           std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return std::nullopt;
  }
  if (!value->is_string()) {
    throw wrong_type(key, "a string");
  }
  return std::string(value->as_string());
}

std::string required_string(const boost::json::object& object, std::string_view key) {
  auto value = optional_string(object, key);
  if (!value) {
    throw Error::invalid("invalid_body", "Field '" + std::string(key) + "' is required.");
  }
  return std::move(*value);
}

std::optional<bool> optional_bool(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return std::nullopt;
  }
  if (!value->is_bool()) {
    throw wrong_type(key, "a boolean");
  }
  return value->as_bool();
}

std::optional<std::int64_t> optional_int(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return std::nullopt;
  }
  if (value->is_int64()) {
    return value->as_int64();
  }
  if (value->is_uint64() && value->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(value->as_uint64());
  }
  throw wrong_type(key, "an integer");
}

const boost::json::object* optional_object(const boost::json::object& object,
                                           std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return nullptr;
  }
  if (!value->is_object()) {
    throw wrong_type(key, "an object");
  }
  return &value->as_object();
}

const boost::json::array* optional_array(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return nullptr;
  }
  if (!value->is_array()) {
    throw wrong_type(key, "an array");
  }
  return &value->as_array();
}

void only_fields(const boost::json::object& object,
                 std::initializer_list<std::string_view> allowed) {
  for (const auto& member : object) {
    const std::string_view key = member.key();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string accepted;
    for (const auto name : allowed) {
      if (!accepted.empty()) accepted += ", ";
      accepted += name;
    }
    throw Error::invalid("unknown_field",
                         "Field '" + printable(key) + "' is not accepted here" +
                             (accepted.empty() ? "." : "; accepted: " + accepted + "."));
  }
}

std::vector<std::string> stored_string_list(std::string_view text) {
  std::vector<std::string> out;
  const auto value = parse(text);
  if (const auto* list = value.if_array()) {
    for (const auto& item : *list) {
      if (const auto* s = item.if_string()) out.emplace_back(*s);
    }
  }
  return out;
}

}  // namespace dokkerr::json
