#include "http/responses.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::http {

Response json_response(Status status, std::string body) {
  Response response{status, 11};
  response.set(boost::beast::http::field::content_type, "application/json");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response empty_response(Status status) {
  Response response{status, 11};
  response.prepare_payload();
  return response;
}

Response ok(std::string json_body) {
  return json_response(Status::ok, std::move(json_body));
}
Response created(std::string json_body) {
  return json_response(Status::created, std::move(json_body));
}
Response no_content() {
  return empty_response(Status::no_content);
}

namespace {
boost::json::value cursor_value(const std::optional<std::string>& next_cursor) {
  return next_cursor ? boost::json::value(*next_cursor) : boost::json::value(nullptr);
}
}  // namespace

boost::json::object list_object(boost::json::array items,
                                const std::optional<std::string>& next_cursor) {
  return boost::json::object{{"items", std::move(items)},
                             {"next_cursor", cursor_value(next_cursor)}};
}

std::string list_body(boost::json::array items, const std::optional<std::string>& next_cursor) {
  return boost::json::serialize(list_object(std::move(items), next_cursor));
}

std::string list_body(const std::vector<std::string>& serialized_items,
                      const std::optional<std::string>& next_cursor) {
  std::size_t size = 32;
  for (const auto& item : serialized_items) size += item.size() + 1;
  std::string out;
  out.reserve(size);
  out += R"({"items":[)";
  for (std::size_t i = 0; i < serialized_items.size(); ++i) {
    if (i > 0) out += ',';
    out += serialized_items[i];
  }
  out += R"(],"next_cursor":)";
  out += boost::json::serialize(cursor_value(next_cursor));  // escaped: cursors carry client input
  out += '}';
  return out;
}

}  // namespace dokkerr::http
