#include "containers/environment_json.hpp"
#include "containers/environment_service.hpp"
#include "containers/routes.hpp"
#include "containers/tenancy_service.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "http/responses.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using http::Reply;
using http::RequestContext;
using http::Verb;

constexpr std::string_view kBase = "/api/v1/environments";

// A tenant sees the counts of its own teams' containers, not the engine's.
asio::awaitable<void> scope_counts(EnvironmentService& service, TenancyService& tenancy,
                                   const Principal& caller, EnvironmentView& view) {
  if (view.state.status != EngineStatus::up) co_return;
  const auto scope = co_await tenancy.container_scope(caller, view.id);
  if (!scope.teams) co_return;
  try {
    view.counts = service.engine_up(view.id)->model().counts(scope);
  } catch (const Error&) {
    view.counts = {};  // went down meanwhile
  }
}

http::Handler list_environments(EnvironmentService& service, TenancyService& tenancy) {
  return [&service, &tenancy](RequestContext& c) -> asio::awaitable<Reply> {
    boost::json::array items;
    for (auto& environment : service.list(c.caller())) {
      co_await scope_counts(service, tenancy, c.caller(), environment);
      items.emplace_back(to_json(environment));
    }
    co_return http::ok(http::list_body(std::move(items)));
  };
}

http::Handler describe_environment(EnvironmentService& service, TenancyService& tenancy) {
  return [&service, &tenancy](RequestContext& c) -> asio::awaitable<Reply> {
    auto environment = service.describe(c.param("env"));
    co_await scope_counts(service, tenancy, c.caller(), environment);
    co_return http::ok(boost::json::serialize(to_json(environment)));
  };
}

asio::awaitable<Reply> create_environment(EnvironmentService& service, RequestContext& c) {
  auto input = environment_input_from(json::parse_object(c.request.body()));
  const auto created = co_await service.create(std::move(input));
  co_return http::created(boost::json::serialize(to_json(created)));
}

asio::awaitable<Reply> update_environment(EnvironmentService& service, RequestContext& c) {
  auto input = environment_input_from(json::parse_object(c.request.body()));
  const auto updated = co_await service.update(c.param("env"), std::move(input));
  co_return http::ok(boost::json::serialize(to_json(updated)));
}

asio::awaitable<Reply> delete_environment(EnvironmentService& service, RequestContext& c) {
  co_await service.remove(c.param("env"));
  co_return http::no_content();
}

}  // namespace

void add_environment_routes(http::Router& router, EnvironmentService& service,
                            TenancyService& tenancy) {
  const std::string base(kBase);
  const std::string item = base + "/{env}";
  // clang-format off
  // GET
  router.add(Verb::get, base, list_environments(service, tenancy), http::needs(http::access::kAuthenticated));
  router.add(Verb::get, item, describe_environment(service, tenancy), on_environment(http::access::kAuthenticated));

  // POST
  router.add(Verb::post, base, with(service, create_environment), http::needs(perm::environments_manage).audited("environments.create"));

  // PATCH
  router.add(Verb::patch, item, with(service, update_environment), on_environment(perm::environments_manage).audited("environments.update"));

  // DELETE
  router.add(Verb::delete_, item, with(service, delete_environment), on_environment(perm::environments_manage).audited("environments.delete"));
  // clang-format on
}

}  // namespace dokkerr::containers
