#pragma once
// The engine's `filters` query value ({"key":["value",...]}), which image, network, volume and
// event lists take as the engine does.
#include "http/types.hpp"

#include <boost/json/object.hpp>

#include <optional>

namespace dokkerr::containers {

// ?filters=: a JSON object of string lists (or the engine's older {"key":{"value":true}});
// anything else is 400 invalid_parameter. nullopt when absent.
std::optional<boost::json::object> engine_filters_from(const http::QueryParams& query);

}  // namespace dokkerr::containers
