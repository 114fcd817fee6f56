#pragma once
// The OpenAPI 3.1 description of the API, generated from the route table, so that it cannot
// leave a route out or describe one that is gone: each route's path parameters, whether it
// needs credentials and which permission, its audit action, its rate-limit budget and its
// deprecation come from the options the route was registered with.
#include <boost/json/object.hpp>

#include <string>

namespace dokkerr::http {

class Router;

struct ApiInfo {
  std::string title = "Dokkerr API";
  std::string version;
  std::string description;
};

[[nodiscard]] boost::json::object openapi_document(const Router& router, const ApiInfo& info);

}  // namespace dokkerr::http
