#include "http/openapi.hpp"

#include "http/router.hpp"

#include <boost/beast/http/verb.hpp>
#include <boost/json/array.hpp>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

namespace dokkerr::http {
namespace {

std::vector<std::string_view> segments_of(std::string_view pattern) {
  std::vector<std::string_view> segments;
  while (!pattern.empty()) {
    if (pattern.front() == '/') pattern.remove_prefix(1);
    const auto end = pattern.find('/');
    segments.push_back(pattern.substr(0, end));
    pattern = end == std::string_view::npos ? std::string_view{} : pattern.substr(end);
  }
  return segments;
}

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// The resource a route acts on, to group operations: /api/v1/environments/{env}/containers/…
// is "containers", /api/v1/me/sessions "me", /healthz "process".
std::string tag_of(const std::vector<std::string_view>& segments) {
  if (segments.size() < 3 || segments[0] != "api") return "process";
  if (segments[2] == "environments" && segments.size() > 4 && !is_parameter(segments[4])) {
    return std::string(segments[4]);
  }
  return std::string(segments[2]);
}

std::string operation_id(Verb verb, const std::vector<std::string_view>& segments) {
  std::string id(boost::beast::http::to_string(verb));
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto segment : segments) {
    id += '_';
    for (const char c : segment) {
      if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
        id += c;
      } else if (c == '-' || c == '.') {
        id += '_';
      }
    }
  }
  return id;
}

boost::json::object components() {
  const boost::json::object text{{"type", "string"}};
  boost::json::object problem{
      {"type", "object"},
      {"description", "RFC 9457 problem details; `code` is stable and meant for programs."},
      {"required", boost::json::array{"type", "title", "status", "code"}},
      {"properties",
       boost::json::object{{"type", boost::json::object{{"type", "string"}, {"format", "uri"}}},
                           {"title", text},
                           {"status", boost::json::object{{"type", "integer"}}},
                           {"detail", text},
                           {"code", text},
                           {"request_id", text}}}};
  return boost::json::object{
      {"securitySchemes",
       boost::json::object{
           {"bearer",
            boost::json::object{{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}},
           {"apiKey",
            boost::json::object{{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}}}}},
      {"schemas", boost::json::object{{"Problem", std::move(problem)}}},
      {"responses",
       boost::json::object{
           {"Problem",
            boost::json::object{
                {"description", "The request was refused or failed"},
                {"content",
                 boost::json::object{
                     {"application/problem+json",
                      boost::json::object{
                          {"schema",
                           boost::json::object{{"$ref", "#/components/schemas/Problem"}}}}}}}}}}}};
}

boost::json::object operation(const Route& route, const std::vector<std::string_view>& segments) {
  const auto& options = route.options;
  boost::json::object op{{"operationId", operation_id(route.verb, segments)},
                         {"tags", boost::json::array{boost::json::string(tag_of(segments))}}};
  boost::json::array parameters;
  for (const auto segment : segments) {
    if (!is_parameter(segment)) continue;
    parameters.push_back(
        boost::json::object{{"name", std::string(segment.substr(1, segment.size() - 2))},
                            {"in", "path"},
                            {"required", true},
                            {"schema", boost::json::object{{"type", "string"}}}});
  }
  if (!parameters.empty()) op["parameters"] = std::move(parameters);
  if (options.permission == access::kPublic) {
    op["security"] = boost::json::array{};
  } else {
    op["security"] = boost::json::array{boost::json::object{{"bearer", boost::json::array{}}},
                                        boost::json::object{{"apiKey", boost::json::array{}}}};
  }
  op["responses"] = boost::json::object{
      {"2XX", boost::json::object{{"description", "Success"}}},
      {"default", boost::json::object{{"$ref", "#/components/responses/Problem"}}}};
  op["x-dokkerr-access"] = options.permission;
  if (!options.audit_action.empty()) op["x-dokkerr-audit-action"] = options.audit_action;
  if (!options.environment_param.empty())
    op["x-dokkerr-environment-param"] = options.environment_param;
  op["x-dokkerr-rate-class"] = rate_class_name(options.rate_class);
  if (options.deprecation) {
    op["deprecated"] = true;
    op["x-dokkerr-sunset"] = options.deprecation->sunset_unix;
  }
  return op;
}

}  // namespace

boost::json::object openapi_document(const Router& router, const ApiInfo& info) {
  boost::json::object paths;
  for (const auto& route : router.routes()) {
    if (route.options.ui_file) continue;
    const auto segments = segments_of(route.pattern);
    auto method = std::string(boost::beast::http::to_string(route.verb));
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto& item = paths[route.pattern];
    if (!item.is_object()) item = boost::json::object{};
    item.as_object()[method] = operation(route, segments);
  }
  boost::json::object info_object{{"title", info.title}, {"version", info.version}};
  if (!info.description.empty()) info_object["description"] = info.description;
  return boost::json::object{{"openapi", "3.1.0"},
                             {"info", std::move(info_object)},
                             {"paths", std::move(paths)},
                             {"components", components()}};
}

}  // namespace dokkerr::http
