#include "auth/oidc_json.hpp"

#include "core/error.hpp"
#include "core/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::auth {
namespace {

std::vector<TeamMapping> parse_team_mapping(const boost::json::object& body) {
  std::vector<TeamMapping> out;
  const auto* list = json::optional_array(body, "team_mapping");
  if (list == nullptr) return out;
  for (const auto& item : *list) {
    if (!item.is_object()) {
      throw Error::invalid("invalid_team_mapping",
                           "Each team_mapping entry is {claim, value, team_id, role}.");
    }
    const auto& entry = item.as_object();
    json::only_fields(entry, {"claim", "value", "team_id", "role"});
    out.push_back(
        TeamMapping{json::required_string(entry, "claim"), json::required_string(entry, "value"),
                    json::required_string(entry, "team_id"), json::required_string(entry, "role")});
  }
  return out;
}

}  // namespace

namespace {

std::vector<std::string> scope_list(const boost::json::array& scopes) {
  std::vector<std::string> out;
  for (const auto& scope : scopes) {
    if (!scope.is_string()) {
      throw Error::invalid("oidc_invalid_scope", "OpenID scopes are non-empty and have no spaces.");
    }
    out.emplace_back(scope.as_string());
  }
  return out;
}

void only_provider_fields(const boost::json::object& object) {
  json::only_fields(object, {"name", "issuer", "client_id", "client_secret", "redirect_uri",
                             "scopes", "team_mapping", "enabled"});
}

}  // namespace

OidcProviderInput parse_provider_input(std::string_view body) {
  const auto object = json::parse_object(body);
  only_provider_fields(object);
  OidcProviderInput input;
  input.name = json::required_string(object, "name");
  input.issuer = json::required_string(object, "issuer");
  input.client_id = json::required_string(object, "client_id");
  input.client_secret = json::required_string(object, "client_secret");
  input.redirect_uri = json::required_string(object, "redirect_uri");
  if (const auto* scopes = json::optional_array(object, "scopes"))
    input.scopes = scope_list(*scopes);
  input.team_mapping = parse_team_mapping(object);
  input.enabled = json::optional_bool(object, "enabled").value_or(true);
  return input;
}

OidcProviderPatch parse_provider_patch(std::string_view body) {
  const auto object = json::parse_object(body);
  only_provider_fields(object);
  OidcProviderPatch patch;
  patch.name = json::optional_string(object, "name");
  patch.issuer = json::optional_string(object, "issuer");
  patch.client_id = json::optional_string(object, "client_id");
  patch.client_secret = json::optional_string(object, "client_secret");
  patch.redirect_uri = json::optional_string(object, "redirect_uri");
  if (const auto* scopes = json::optional_array(object, "scopes"))
    patch.scopes = scope_list(*scopes);
  if (object.contains("team_mapping")) patch.team_mapping = parse_team_mapping(object);
  patch.enabled = json::optional_bool(object, "enabled");
  return patch;
}

boost::json::object provider_object(const OidcProviderRecord& provider) {
  boost::json::array mapping;
  for (const auto& m : provider.team_mapping) {
    mapping.emplace_back(boost::json::object{
        {"claim", m.claim}, {"value", m.value}, {"team_id", m.team_id}, {"role", m.role}});
  }
  return {{"id", provider.id},
          {"name", provider.name},
          {"issuer", provider.issuer},
          {"client_id", provider.client_id},
          {"redirect_uri", provider.redirect_uri},
          {"scopes", json::string_array(provider.scopes)},
          {"team_mapping", std::move(mapping)},
          {"enabled", provider.enabled},
          {"created_at", provider.created_at}};
}

std::string provider_json(const OidcProviderRecord& provider) {
  return boost::json::serialize(provider_object(provider));
}

boost::json::object public_provider_object(const OidcProviderRecord& provider) {
  return {{"id", provider.id}, {"name", provider.name}};
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto end = header.find(';');
    auto pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    auto value = pair.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return std::nullopt;
}

std::string binding_cookie(std::string_view value, std::int64_t max_age, bool secure) {
  std::string cookie(kOidcBindingCookie);
  cookie += '=';
  cookie += value;
  cookie += "; Path=";
  cookie += kOidcCallbackPath;
  cookie += "; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Lax";
  if (secure) cookie += "; Secure";
  return cookie;
}

}  // namespace dokkerr::auth
