#pragma once
// Lenient reads of the engine's answers: a field that is missing or of another type reads as
// empty, since an answer shaped otherwise than expected must not turn into a failed request.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace dokkerr::containers::fields {

inline const boost::json::object& object_at(const boost::json::object& object,
                                            std::string_view key) {
  static const boost::json::object empty;
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_object() ? value->as_object() : empty;
}

inline const boost::json::array& array_at(const boost::json::object& object, std::string_view key) {
  static const boost::json::array empty;
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_array() ? value->as_array() : empty;
}

inline std::string string_at(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

// Whole numbers, also when written as a double.
inline std::int64_t int_at(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_int64()) return value->as_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->as_uint64());
  if (value->is_double()) return static_cast<std::int64_t>(value->as_double());
  return 0;
}

}  // namespace dokkerr::containers::fields
