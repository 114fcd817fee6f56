#pragma once
// The query mapping of the system routes.
#include "containers/system_service.hpp"
#include "http/types.hpp"

namespace dokkerr::containers {

// ?filters= (the engine's form), ?type= and ?event= (repeatable), ?since=, ?team=.
EventsQuery events_query_from(const http::QueryParams& query);

}  // namespace dokkerr::containers
