#pragma once
// Complete responses as handlers build them, and the one shape of every list.
#include "http/types.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace dokkerr::http {

Response json_response(Status status, std::string body);
Response empty_response(Status status);

Response ok(std::string json_body);       // 200 application/json
Response created(std::string json_body);  // 201 application/json
Response no_content();                    // 204

// {"items": [...], "next_cursor": "..." | null}: every list the API serves has this shape.
// list_object leaves room for a key of the engine's own beside them (volumes' "Warnings").
boost::json::object list_object(boost::json::array items,
                                const std::optional<std::string>& next_cursor = std::nullopt);
std::string list_body(boost::json::array items,
                      const std::optional<std::string>& next_cursor = std::nullopt);
// Items serialized already (kept that way by the container model and the audit log).
std::string list_body(const std::vector<std::string>& serialized_items,
                      const std::optional<std::string>& next_cursor = std::nullopt);

// A page of domain objects through their JSON mapping.
template <typename Page, typename ToJson>
std::string list_body(const Page& page, ToJson&& to_json) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (const auto& item : page.items) items.emplace_back(to_json(item));
  return list_body(std::move(items), page.next_cursor);
}

}  // namespace dokkerr::http
