#include "containers/filters_json.hpp"

#include "core/error.hpp"

#include <boost/json/parse.hpp>

namespace dokkerr::containers {

std::optional<boost::json::object> engine_filters_from(const http::QueryParams& query) {
  const auto text = query.get("filters");
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  auto value = boost::json::parse(*text, ec);
  bool ok = !ec && value.is_object();
  if (ok) {
    for (const auto& entry : value.as_object()) {
      const auto& list = entry.value();
      if (list.is_array()) {
        for (const auto& item : list.as_array()) ok = ok && item.is_string();
      } else if (!list.is_object()) {
        ok = false;
      }
    }
  }
  if (!ok) {
    throw Error::invalid("invalid_parameter",
                         "Query parameter 'filters' must be a JSON object of string lists.");
  }
  return std::move(value.as_object());
}

}  // namespace dokkerr::containers
