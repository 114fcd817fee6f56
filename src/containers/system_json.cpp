#include "containers/system_json.hpp"

#include "containers/filters_json.hpp"

namespace dokkerr::containers {

EventsQuery events_query_from(const http::QueryParams& query) {
  EventsQuery events;
  events.filters = engine_filters_from(query);
  events.types = query.all("type");
  events.events = query.all("event");
  events.since = query.get("since");
  events.team = query.get("team");
  return events;
}

}  // namespace dokkerr::containers
