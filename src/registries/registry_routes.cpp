#include "registries/registry_routes.hpp"

#include "core/error.hpp"
#include "core/json.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"
#include "registries/registry_service.hpp"
#include "registries/update_checker.hpp"
#include "core/permissions.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::registries {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;
using http::RequestContext;
using http::Verb;

std::string path(std::string_view suffix) { return "/api/v1/registries" + std::string(suffix); }

// Who may do what is the service's to decide (organization or team roles): any signed-in caller
// reaches it.
http::RouteOptions signed_in() { return http::needs(http::access::kAuthenticated); }

// The password is never shown, only whether there is one.
bj::object to_json(const Registry& r) {
  return {{"id", r.id},
          {"name", r.name},
          {"address", r.address},
          {"organization_id", r.organization_id},
          {"team_id", r.team_id.empty() ? bj::value(nullptr) : bj::value(r.team_id)},
          {"username", r.username},
          {"has_password", !r.password.empty()},
          {"insecure", r.insecure},
          {"created_by", r.created_by},
          {"created_at", r.created_at},
          {"updated_at", r.updated_at}};
}

std::string page_json(const NamePage& page) {
  bj::array items;
  for (const auto& name : page.names) items.push_back(bj::object{{"name", name}});
  std::optional<std::string> next;
  if (!page.next.empty()) next = page.next;
  return bj::serialize(http::list_object(std::move(items), next));
}

asio::awaitable<http::Reply> list_registries(RegistryService& registries, RequestContext& c) {
  const auto items = co_await registries.list(c.caller());
  bj::array out;
  for (const auto& registry : items) out.push_back(to_json(registry));
  co_return http::ok(bj::serialize(http::list_object(std::move(out))));
}

asio::awaitable<http::Reply> create_registry(RegistryService& registries, RequestContext& c) {
  const auto body = json::parse_object(c.request.body());
  json::only_fields(body, {"name", "address", "organization_id", "team_id", "username",
                           "password", "insecure"});
  RegistryDraft draft;
  draft.name = json::required_string(body, "name");
  draft.address = json::required_string(body, "address");
  draft.organization_id = json::optional_string(body, "organization_id").value_or("");
  draft.team_id = json::optional_string(body, "team_id").value_or("");
  draft.username = json::optional_string(body, "username").value_or("");
  draft.password = json::optional_string(body, "password").value_or("");
  draft.insecure = json::optional_bool(body, "insecure").value_or(false);
  const auto registry = co_await registries.create(c.caller(), std::move(draft));
  co_return http::created(bj::serialize(to_json(registry)));
}

asio::awaitable<http::Reply> get_registry(RegistryService& registries, RequestContext& c) {
  const auto registry = co_await registries.get(c.caller(), c.param("id"));
  co_return http::ok(bj::serialize(to_json(registry)));
}

asio::awaitable<http::Reply> update_registry(RegistryService& registries, RequestContext& c) {
  const auto body = json::parse_object(c.request.body());
  json::only_fields(body, {"name", "username", "password", "insecure"});
  RegistryChange change;
  change.name = json::optional_string(body, "name");
  change.username = json::optional_string(body, "username");
  if (const auto* password = body.if_contains("password")) {
    // null clears the password; a string replaces it.
    if (password->is_null()) {
      change.password = std::string();
    } else {
      change.password = json::optional_string(body, "password");
    }
  }
  change.insecure = json::optional_bool(body, "insecure");
  const auto registry = co_await registries.update(c.caller(), c.param("id"), std::move(change));
  co_return http::ok(bj::serialize(to_json(registry)));
}

asio::awaitable<http::Reply> delete_registry(RegistryService& registries, RequestContext& c) {
  co_await registries.remove(c.caller(), c.param("id"));
  co_return http::no_content();
}

asio::awaitable<http::Reply> check_registry(RegistryService& registries, RequestContext& c) {
  co_await registries.check(c.caller(), c.param("id"));
  co_return http::ok(R"({"ok":true})");
}

asio::awaitable<http::Reply> list_repositories(RegistryService& registries, RequestContext& c) {
  const auto limit = static_cast<std::size_t>(c.query.integer("limit", 100, 1, 1000));
  const auto page = co_await registries.repositories(c.caller(), c.param("id"), limit,
                                                     c.query.get("cursor").value_or(""));
  co_return http::ok(page_json(page));
}

asio::awaitable<http::Reply> list_tags(RegistryService& registries, RequestContext& c) {
  const auto repository = c.query.get("repository");
  if (!repository || repository->empty()) {
    throw Error::invalid("invalid_parameter", "Query parameter 'repository' names a repository.");
  }
  const auto limit = static_cast<std::size_t>(c.query.integer("limit", 100, 1, 1000));
  const auto page = co_await registries.tags(c.caller(), c.param("id"), *repository, limit,
                                             c.query.get("cursor").value_or(""));
  co_return http::ok(page_json(page));
}

std::string updates_json(const std::vector<ImageUpdate>& updates) {
  bj::array items;
  for (const auto& u : updates) {
    items.push_back(bj::object{{"image", u.image},
                               {"status", u.status},
                               {"local_digest", u.local_digest},
                               {"remote_digest", u.remote_digest},
                               {"error", u.error},
                               {"checked_at", u.checked_at}});
  }
  return bj::serialize(http::list_object(std::move(items)));
}

http::Handler with(RegistryService& registries,
                   asio::awaitable<http::Reply> (*handler)(RegistryService&, RequestContext&)) {
  return [&registries, handler](RequestContext& c) { return handler(registries, c); };
}

http::Handler updates_handler(UpdateChecker& updates, bool check_now) {
  return [&updates, check_now](RequestContext& c) -> asio::awaitable<http::Reply> {
    std::vector<ImageUpdate> found;
    if (check_now) {
      found = co_await updates.check(c.param("env"));
    } else {
      found = co_await updates.results(c.param("env"));
    }
    co_return http::ok(updates_json(found));
  };
}

}  // namespace

// clang-format off
void add_registry_routes(http::Router& router, RegistryService& registries) {
  router.add(Verb::get, path(""), with(registries, list_registries), signed_in());
  router.add(Verb::post, path(""), with(registries, create_registry), signed_in().audited("registries.create"));
  router.add(Verb::get, path("/{id}"), with(registries, get_registry), signed_in());
  router.add(Verb::patch, path("/{id}"), with(registries, update_registry), signed_in().audited("registries.update"));
  router.add(Verb::delete_, path("/{id}"), with(registries, delete_registry), signed_in().audited("registries.delete"));
  router.add(Verb::post, path("/{id}/check"), with(registries, check_registry), signed_in().audited("registries.check"));
  router.add(Verb::get, path("/{id}/repositories"), with(registries, list_repositories), signed_in());
  router.add(Verb::get, path("/{id}/tags"), with(registries, list_tags), signed_in());
}
// clang-format on

// clang-format off
void add_image_update_routes(http::Router& router, UpdateChecker& updates) {
  const std::string base = "/api/v1/environments/{env}/image-updates";
  router.add(Verb::get, base, updates_handler(updates, false), http::needs(perm::images_read).in_environment("env"));
  router.add(Verb::post, base + "/check", updates_handler(updates, true), http::needs(perm::images_pull).in_environment("env").audited("images.updates.check"));
}
// clang-format on

}  // namespace dokkerr::registries
