#include "containers/image_json.hpp"

#include "core/error.hpp"
#include "core/json.hpp"

namespace dokkerr::containers {
namespace {

void check_reference(const std::string& text, std::string_view field) {
  if (text.empty() || text.size() > 512) {
    throw Error::invalid("invalid_body",
                         "Field '" + std::string(field) + "' must be 1 to 512 characters.");
  }
  for (const char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      throw Error::invalid("invalid_body", "Field '" + std::string(field) +
                                               "' must not contain spaces or control characters.");
    }
  }
}

}  // namespace

ImageListOptions image_list_options_from(const http::QueryParams& query) {
  ImageListOptions options;
  options.all = query.flag("all");
  options.dangling = query.flag("dangling");
  options.reference = query.get("reference");
  return options;
}

ImageRemoveOptions image_remove_options_from(const http::QueryParams& query) {
  ImageRemoveOptions options;
  options.force = query.flag("force");
  options.noprune = query.flag("noprune");
  return options;
}

PullRequest pull_request_from(const boost::json::object& body) {
  json::only_fields(body, {"image", "tag", "auth", "team"});
  PullRequest request;
  request.image = json::required_string(body, "image");
  check_reference(request.image, "image");
  request.tag = json::optional_string(body, "tag").value_or("");
  if (!request.tag.empty()) check_reference(request.tag, "tag");
  request.team = json::optional_string(body, "team").value_or("");
  if (const auto* auth = json::optional_object(body, "auth")) {
    json::only_fields(*auth, {"username", "password", "serveraddress", "identitytoken"});
    RegistryCredentials credentials;
    credentials.username = json::optional_string(*auth, "username");
    credentials.password = json::optional_string(*auth, "password");
    credentials.serveraddress = json::optional_string(*auth, "serveraddress");
    credentials.identitytoken = json::optional_string(*auth, "identitytoken");
    request.auth = std::move(credentials);
  }
  return request;
}

}  // namespace dokkerr::containers
