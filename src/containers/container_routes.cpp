#include "containers/tenancy_service.hpp"
#include "http/responses.hpp"
#include "containers/container_service.hpp"
#include "containers/routes.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "policy/policy.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using http::RequestContext;
using http::Reply;
using http::Verb;
constexpr std::string_view kBase = "/api/v1/environments/{env}/containers";

std::string path(std::string_view suffix) { return std::string(kBase) + std::string(suffix); }

ContainerFilter filter_from(const http::QueryParams& query) {
  ContainerFilter filter;
  filter.all = query.flag("all");
  filter.status = query.all("status");
  filter.names = query.all("name");
  filter.labels = query.all("label");
  filter.images = query.all("image");
  filter.ids = query.all("id");
  return filter;
}

LogOptions log_options_from(const http::QueryParams& query) {
  LogOptions options;
  if (auto tail = query.get("tail")) {
    if (*tail != "all") (void)query.integer("tail", 0, 0, 1'000'000);  // validates
    options.tail = *tail;
  }
  options.since = query.get("since");
  options.until = query.get("until");
  options.timestamps = query.flag("timestamps");
  options.stdout_ = query.flag("stdout", true);
  options.stderr_ = query.flag("stderr", true);
  return options;
}

asio::awaitable<void> check_exec_policy(TenancyService& tenancy, const Principal& caller,
                                        const Resolved& target, const ExecRequest& request) {
  if (!request.privileged) co_return;
  policy::Policy rules;
    if (!target.team.empty()) rules = co_await tenancy.policy_of(target.team);
  policy::check_exec(true, rules, caller.is_admin);
}

ExecRequest exec_from_query(const http::QueryParams& query) {
  ExecRequest request;
  request.cmd = query.all("cmd");
  if (request.cmd.empty()) request.cmd = {"sh"};
  request.tty = query.flag("tty");
  request.env = query.all("env");
  request.working_dir = query.get("workdir").value_or("");
  request.user = query.get("user").value_or("");
  request.privileged = query.flag("privileged");
  return request;
}

}  // namespace

void add_container_routes(http::Router& router, ContainerService& service, TenancyService& tenancy) {
  // Every route below addresses one container through resolve(): the caller must hold the
  // permission in the team that owns it, else the answer is the engine's own 404.
  auto owned = [&tenancy](RequestContext& c, std::string_view permission) {
    return tenancy.resolve(c.caller(), c.param("env"), ResourceKind::container, c.param("id"),
                          permission);
  };
  auto action = [&service, owned](ContainerAction kind) {
    return [&service, owned, kind](RequestContext& c) -> asio::awaitable<Reply> {
      const auto target = co_await owned(c, perm::containers_operate);
      co_await service.act(c.param("env"), target.id, kind, c.query);
      co_return http::no_content();
    };
  };

  // GET
  router.add(Verb::get, path(""), [&service, &tenancy](RequestContext& c) -> asio::awaitable<Reply> {
    const auto limit = static_cast<std::size_t>(c.query.integer("limit", 1000, 1, 1000));
    auto filter = filter_from(c.query);
    filter.teams = tenancy.visible_teams(c.caller(), c.param("env"), perm::containers_read);
    if (filter.teams) {
      filter.assigned = co_await tenancy.assigned_ids(c.param("env"), ResourceKind::container, *filter.teams);
    }
    co_return http::ok(co_await service.list(c.param("env"), std::move(filter), limit,
                                            c.query.get("cursor").value_or("")));
  }, on_environment(perm::containers_read));
  router.add(Verb::get, path("/{id}"), [&service, owned](RequestContext& c) -> asio::awaitable<Reply> {
    const auto target = co_await owned(c, perm::containers_read);
    co_return http::ok(co_await service.inspect(c.param("env"), target.id));
  }, on_environment(perm::containers_read));
  router.add(Verb::get, path("/{id}/logs"), [&service, owned](RequestContext& c) -> asio::awaitable<Reply> {
    const auto target = co_await owned(c, perm::containers_logs);
    auto options = log_options_from(c.query);
    if (c.is_websocket_upgrade()) {
      co_return co_await service.logs_socket(c.param("env"), target.id, std::move(options));
    }
    if (c.query.flag("follow")) {
      co_return co_await service.follow_logs(c.param("env"), target.id, std::move(options));
    }
    co_return http::ok(co_await service.logs(c.param("env"), target.id, std::move(options)));
  }, on_environment(perm::containers_logs));
  router.add(Verb::get, path("/{id}/stats"), [&service, owned](RequestContext& c) -> asio::awaitable<Reply> {
    const auto target = co_await owned(c, perm::containers_read);
    if (c.is_websocket_upgrade()) {
      co_return co_await service.stats_socket(c.param("env"), target.id);
    }
    co_return http::ok(co_await service.stats(c.param("env"), target.id));
  }, on_environment(perm::containers_read));
  router.add(Verb::get, path("/{id}/top"), [&service, owned](RequestContext& c) -> asio::awaitable<Reply> {
    const auto target = co_await owned(c, perm::containers_read);
    co_return http::ok(co_await service.top(c.param("env"), target.id, c.query.get("ps_args").value_or("")));
  }, on_environment(perm::containers_read));
  router.add(Verb::get, path("/{id}/exec"), [&service, &tenancy, owned](RequestContext& c) -> asio::awaitable<Reply> {
    std::optional<std::pair<int, int>> size;
    if (c.query.has("cols") || c.query.has("rows")) {
      size = std::pair{static_cast<int>(c.query.integer("cols", 80, 1, 1000)),
                       static_cast<int>(c.query.integer("rows", 24, 1, 1000))};
    }
    if (!c.is_websocket_upgrade()) {
      throw Error(ErrorKind::upgrade_required, "websocket_required",
                  "Interactive exec speaks WebSocket; use POST for a captured run.");
    }
    const auto target = co_await owned(c, perm::containers_exec);
    auto request = exec_from_query(c.query);
    co_await check_exec_policy(tenancy, c.caller(), target, request);
    co_return co_await service.exec_socket(c.param("env"), target.id, std::move(request), size);
  }, on_environment(perm::containers_exec));

  // POST
  router.add(Verb::post, path(""), [&service, &tenancy](RequestContext& c) -> asio::awaitable<Reply> {
    const auto& caller = c.caller();
    const auto env = c.param("env");
    const auto team = tenancy.creation_team(caller, env, c.query.get("team"), perm::containers_create);
    policy::Policy rules;
    if (!team.empty()) rules = co_await tenancy.policy_of(team);
    policy::CreateContext context;
    context.is_admin = caller.is_admin;
    context.team_id = team;
    context.container_team = [&tenancy, env](std::string_view ref) { return tenancy.container_team(env, ref); };
    // The engine gets the body rebuilt from what the policy parsed, never the client's bytes.
    auto body = policy::check_container_create(c.request.body(), rules, context);
    if (team.empty()) {
      // The engine merges the image's labels into the container's: pin the team label to
      // empty so an image carrying one cannot hand the container to a team.
      auto object = json::parse_object(body);
      auto& labels = object["Labels"];
      if (!labels.is_object()) labels = boost::json::object{};
      labels.as_object()[kTeamLabel] = "";
      body = boost::json::serialize(object);
    }
    if (!caller.is_admin) co_await tenancy.check_references(env, team, json::parse_object(body));
    auto created = co_await service.create(env, c.query.get("name"), json::parse_object(body));
    if (!team.empty()) {
      const auto id = json::parse_object(created).at("Id").as_string();
      co_await tenancy.record_owner(env, ResourceKind::container, std::string(id), team);
    }
    co_return http::created(std::move(created));
  }, on_environment(perm::containers_create).audited("containers.create"));
  router.add(Verb::post, path("/{id}/start"), action(ContainerAction::start), on_environment(perm::containers_operate).audited("containers.start"));
  router.add(Verb::post, path("/{id}/stop"), action(ContainerAction::stop), on_environment(perm::containers_operate).audited("containers.stop"));
  router.add(Verb::post, path("/{id}/restart"), action(ContainerAction::restart), on_environment(perm::containers_operate).audited("containers.restart"));
  router.add(Verb::post, path("/{id}/kill"), action(ContainerAction::kill), on_environment(perm::containers_operate).audited("containers.kill"));
  router.add(Verb::post, path("/{id}/pause"), action(ContainerAction::pause), on_environment(perm::containers_operate).audited("containers.pause"));
  router.add(Verb::post, path("/{id}/unpause"), action(ContainerAction::unpause), on_environment(perm::containers_operate).audited("containers.unpause"));
  router.add(Verb::post, path("/{id}/rename"), [&service, owned](RequestContext& c) -> asio::awaitable<Reply> {
    auto name = c.query.get("name");
    if (!name) throw Error::invalid("invalid_parameter", "Query parameter 'name' is required.");
    const auto target = co_await owned(c, perm::containers_update);
    co_await service.rename(c.param("env"), target.id, std::move(*name));
    co_return http::no_content();
  }, on_environment(perm::containers_update).audited("containers.rename"));
  router.add(Verb::post, path("/{id}/update"), [&service, &tenancy, owned](RequestContext& c) -> asio::awaitable<Reply> {
    const auto target = co_await owned(c, perm::containers_update);
    policy::Policy rules;
    if (!target.team.empty()) rules = co_await tenancy.policy_of(target.team);
    const auto body = policy::check_container_update(c.request.body(), rules, c.caller().is_admin);
    co_return http::ok(co_await service.update(c.param("env"), target.id, json::parse_object(body)));
  }, on_environment(perm::containers_update).audited("containers.update"));
  router.add(Verb::post, path("/{id}/wait"), [&service, owned](RequestContext& c) -> asio::awaitable<Reply> {
    const auto target = co_await owned(c, perm::containers_read);
    co_return http::ok(co_await service.wait(c.param("env"), target.id,
                                            c.query.get("condition").value_or("not-running")));
  }, on_environment(perm::containers_read).audited("containers.wait"));
  router.add(Verb::post, path("/{id}/exec"), [&service, &tenancy, owned](RequestContext& c) -> asio::awaitable<Reply> {
    const auto timeout = std::chrono::seconds(c.query.integer("timeout", 60, 1, 3600));
    const auto target = co_await owned(c, perm::containers_exec);
    auto request = parse_exec_request(json::parse_object(c.request.body()));
    co_await check_exec_policy(tenancy, c.caller(), target, request);
    co_return http::ok(co_await service.exec(c.param("env"), target.id, std::move(request), timeout));
  }, on_environment(perm::containers_exec).audited("containers.exec"));

  // Admins hand a container made outside Dokkerr to a team.
  router.add(Verb::put, path("/{id}/owner"), [&tenancy](RequestContext& c) -> asio::awaitable<Reply> {
    const auto body = json::parse_object(c.request.body());
    const auto team = json::required_string(body, "team_id");
    const auto assigned = co_await tenancy.assign(c.param("env"), ResourceKind::container, c.param("id"), team);
    boost::json::object answer{{"id", assigned.id}, {"team_id", assigned.team_id}};
    co_return http::ok(boost::json::serialize(answer));
  }, on_environment(perm::resources_assign).audited("containers.owner.put"));

  // DELETE
  router.add(Verb::delete_, path("/{id}"), [&service, &tenancy, owned](RequestContext& c) -> asio::awaitable<Reply> {
    const auto target = co_await owned(c, perm::containers_delete);
    co_await service.remove(c.param("env"), target.id, c.query.flag("force"),
                            c.query.flag("volumes") || c.query.flag("v"));
    co_await tenancy.forget(c.param("env"), ResourceKind::container, target.id);
    co_return http::no_content();
  }, on_environment(perm::containers_delete).audited("containers.delete"));
}

}  // namespace dokkerr::containers
