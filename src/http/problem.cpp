#include "http/problem.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace dokkerr::http {

std::string problem_body(const Error& error, std::string_view request_id) {
  const auto status = http_status(error.kind());
  boost::json::object body;
  body["type"] = "https://dokkerr.dev/problems/" + error.code();
  body["title"] = title(error.kind());
  body["status"] = status;
  body["detail"] = error.detail();
  body["code"] = error.code();
  body["request_id"] = request_id;
  return boost::json::serialize(body);
}

Response problem_response(const Error& error, std::string_view request_id, unsigned version) {
  Response response{static_cast<Status>(http_status(error.kind())), version};
  response.set(boost::beast::http::field::content_type, "application/problem+json");
  response.body() = problem_body(error, request_id);
  response.prepare_payload();
  return response;
}

}  // namespace dokkerr::http
