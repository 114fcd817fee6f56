#include "stacks/stack_routes.hpp"

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "http/client_info.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"
#include "stacks/stack_hooks.hpp"
#include "stacks/stack_service.hpp"
#include "stacks/swarm_stack.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::stacks {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;
using http::RequestContext;
using http::Verb;

std::string path(std::string_view suffix) {
  return "/api/v1/environments/{env}/stacks" + std::string(suffix);
}

http::RouteOptions on_environment(std::string_view permission) {
  return http::needs(permission).in_environment("env");
}

bj::object strings_of(const std::map<std::string, std::string>& values, bool names_only) {
  bj::object out;
  for (const auto& [key, value] : values)
    out[key] = names_only ? bj::value(nullptr) : bj::value(value);
  return out;
}

// Variables and env files hold passwords: answers name them, never show their values. The
// images the services pull are named for clients to match with image update results.
bj::object to_json(StackService& stacks, const Stack& stack) {
  bj::array images;
  for (auto& image : stacks.images_of(stack)) images.emplace_back(std::move(image));
  bj::array variables;
  for (const auto& [key, value] : stack.source.variables) variables.emplace_back(key);
  bj::array env_files;
  for (const auto& [key, value] : stack.source.env_files) env_files.emplace_back(key);
  return {{"id", stack.id},
          {"name", stack.name},
          {"environment", stack.environment},
          {"team_id", stack.team_id},
          {"compose", stack.source.compose},
          {"variables", std::move(variables)},
          {"env_files", std::move(env_files)},
          {"version", stack.version},
          {"status", stack.status},
          {"error", stack.error},
          {"auto_update", stack.auto_update},
          {"git", stack.git ? bj::value(bj::object{{"url", stack.git->url},
                                                   {"ref", stack.git->ref},
                                                   {"path", stack.git->path},
                                                   {"commit", stack.git_commit}})
                            : bj::value(nullptr)},
          {"images", std::move(images)},
          {"created_by", stack.created_by},
          {"created_at", stack.created_at},
          {"updated_at", stack.updated_at}};
}

bj::object to_json(StackService& stacks, const StackView& view) {
  auto out = to_json(stacks, view.stack);
  bj::array containers;
  for (const auto& c : view.containers) {
    containers.push_back(bj::object{{"id", c.id},
                                    {"name", c.name},
                                    {"service", c.service},
                                    {"number", c.number},
                                    {"state", c.state},
                                    {"config_hash", c.config_hash}});
  }
  out["containers"] = std::move(containers);
  return out;
}

std::map<std::string, std::string> string_map(const bj::object& body, std::string_view key) {
  std::map<std::string, std::string> out;
  const auto* object = json::optional_object(body, key);
  if (object == nullptr) return out;
  if (object->size() > 1000) {
    throw Error::invalid("invalid_body", std::string(key) + ": at most 1000 entries.");
  }
  for (const auto& [name, value] : *object) {
    if (!value.is_string()) {
      throw Error::invalid("invalid_body",
                           std::string(key) + "." + std::string(name) + ": must be a string.");
    }
    out[std::string(name)] = std::string(value.as_string());
  }
  return out;
}

// {compose, variables?: {NAME: value}, env_files?: {name: ".env text"}}
// {url, ref?, path?}
GitLocation git_of(const bj::object& body) {
  const auto* git = json::optional_object(body, "git");
  json::only_fields(*git, {"url", "ref", "path"});
  GitLocation where;
  where.url = json::required_string(*git, "url");
  if (auto ref = json::optional_string(*git, "ref")) where.ref = std::move(*ref);
  if (auto path = json::optional_string(*git, "path")) where.path = std::move(*path);
  return where;
}

bool has_git(const bj::object& body) {
  const auto* git = body.if_contains("git");
  return git != nullptr && !git->is_null();
}

// {compose | git, variables?, env_files?}: the file inline, or where in Git it is (exactly one).
StackSource source_of(const bj::object& body) {
  StackSource source;
  if (has_git(body) == body.contains("compose")) {
    throw Error::invalid("invalid_body",
                         "Name the Compose file inline (compose) or where it is in Git (git).");
  }
  if (!has_git(body)) source.compose = json::required_string(body, "compose");
  source.variables = string_map(body, "variables");
  source.env_files = string_map(body, "env_files");
  return source;
}

asio::awaitable<http::Reply> list_stacks(StackService& stacks, RequestContext& c) {
  const auto items = co_await stacks.list(c.caller(), c.param("env"));
  bj::array out;
  for (const auto& stack : items) out.push_back(to_json(stacks, stack));
  co_return http::ok(bj::serialize(bj::object{{"items", std::move(out)}}));
}

asio::awaitable<http::Reply> create_stack(StackService& stacks, RequestContext& c) {
  const auto body = json::parse_object(c.request.body());
  json::only_fields(body, {"name", "team", "compose", "git", "variables", "env_files"});
  auto source = source_of(body);
  std::optional<GitLocation> git;
  if (has_git(body)) git = git_of(body);
  auto view =
      co_await stacks.create(c.caller(), c.param("env"), json::required_string(body, "name"),
                             json::optional_string(body, "team"), std::move(source),
                             std::move(git));
  co_return http::created(bj::serialize(to_json(stacks, view)));
}

asio::awaitable<http::Reply> get_stack(StackService& stacks, RequestContext& c) {
  const auto view = co_await stacks.get(c.caller(), c.param("env"), c.param("name"));
  co_return http::ok(bj::serialize(to_json(stacks, view)));
}

asio::awaitable<http::Reply> update_stack(StackService& stacks, RequestContext& c) {
  const auto body = json::parse_object(c.request.body());
  json::only_fields(body, {"compose", "git", "variables", "env_files"});
  // Left out: kept as deployed (their values are never shown, so clients cannot send them back).
  KeptInputs kept;
  kept.variables = !body.contains("variables");
  kept.env_files = !body.contains("env_files");
  auto source = source_of(body);
  // git: {…} takes the file from there from now on; git: null (with compose) leaves Git.
  GitChange git;
  if (has_git(body)) {
    git.set = git_of(body);
  } else if (body.contains("git")) {
    git.clear = true;
  }
  const auto view = co_await stacks.update(c.caller(), c.param("env"), c.param("name"),
                                           std::move(source), kept, std::move(git));
  co_return http::ok(bj::serialize(to_json(stacks, view)));
}

asio::awaitable<http::Reply> delete_stack(StackService& stacks, RequestContext& c) {
  co_await stacks.remove(c.caller(), c.param("env"), c.param("name"), c.query.flag("volumes"));
  co_return http::no_content();
}

asio::awaitable<http::Reply> stop_stack(StackService& stacks, RequestContext& c) {
  const auto view = co_await stacks.stop(c.caller(), c.param("env"), c.param("name"));
  co_return http::ok(bj::serialize(to_json(stacks, view)));
}

asio::awaitable<http::Reply> start_stack(StackService& stacks, RequestContext& c) {
  const auto view = co_await stacks.start(c.caller(), c.param("env"), c.param("name"));
  co_return http::ok(bj::serialize(to_json(stacks, view)));
}

asio::awaitable<http::Reply> stack_history(StackService& stacks, RequestContext& c) {
  const auto versions = co_await stacks.history(c.caller(), c.param("env"), c.param("name"));
  bj::array out;
  for (const auto& v : versions) {
    out.push_back(bj::object{{"version", v.version},
                             {"compose", v.source.compose},
                             {"variables", strings_of(v.source.variables, true)},
                             {"env_files", strings_of(v.source.env_files, true)},
                             {"created_by", v.created_by},
                             {"created_at", v.created_at}});
  }
  co_return http::ok(bj::serialize(bj::object{{"items", std::move(out)}}));
}

asio::awaitable<http::Reply> rollback_stack(StackService& stacks, RequestContext& c) {
  const auto body = json::parse_object(c.request.body());
  json::only_fields(body, {"version"});
  const auto version = json::optional_int(body, "version");
  if (!version || *version < 1 || *version > 1'000'000) {
    throw Error::invalid("invalid_body", "version: the number of an earlier version.");
  }
  const auto view = co_await stacks.rollback(c.caller(), c.param("env"), c.param("name"),
                                             static_cast<int>(*version));
  co_return http::ok(bj::serialize(to_json(stacks, view)));
}

asio::awaitable<http::Reply> stack_logs(StackService& stacks, RequestContext& c) {
  const auto tail = static_cast<std::size_t>(c.query.integer("tail", 100, 1, 1000));
  const auto lines = co_await stacks.logs(c.caller(), c.param("env"), c.param("name"), tail,
                                          c.query.get("service"));
  bj::array out;
  for (const auto& l : lines) {
    out.push_back(bj::object{{"service", l.service},
                             {"container", l.container},
                             {"time", l.line.time},
                             {"stream", l.line.stream},
                             {"line", l.line.text}});
  }
  co_return http::ok(bj::serialize(bj::object{{"items", std::move(out)}}));
}

asio::awaitable<http::Reply> sync_stack_git(StackService& stacks, RequestContext& c) {
  const auto sync = co_await stacks.sync_git(c.caller(), c.param("env"), c.param("name"));
  auto out = to_json(stacks, sync.view);
  out["changed"] = sync.changed;
  co_return http::ok(bj::serialize(out));
}

asio::awaitable<http::Reply> redeploy_stack(StackService& stacks, RequestContext& c) {
  const auto view = co_await stacks.redeploy(c.caller(), c.param("env"), c.param("name"));
  co_return http::ok(bj::serialize(to_json(stacks, view)));
}

asio::awaitable<http::Reply> set_auto_update(StackService& stacks, RequestContext& c) {
  const auto body = json::parse_object(c.request.body());
  json::only_fields(body, {"enabled"});
  const auto enabled = json::optional_bool(body, "enabled");
  if (!enabled) throw Error::invalid("invalid_body", "Field 'enabled' is required.");
  const auto view =
      co_await stacks.set_auto_update(c.caller(), c.param("env"), c.param("name"), *enabled);
  co_return http::ok(bj::serialize(to_json(stacks, view)));
}

std::string hook_url(std::string_view token) {
  return "/api/v1/hooks/stacks/" + std::string(token);
}

bj::object to_json(const StackHook& hook) {
  return {{"created_by", hook.created_by},
          {"created_at", hook.created_at},
          {"last_used_at", hook.last_used_at.empty() ? bj::value(nullptr)
                                                     : bj::value(hook.last_used_at)}};
}

asio::awaitable<http::Reply> issue_hook(StackHooks& hooks, RequestContext& c) {
  const auto issued = co_await hooks.issue(c.caller(), c.param("env"), c.param("name"));
  auto out = to_json(issued.hook);
  out["token"] = issued.token;
  out["url"] = hook_url(issued.token);
  co_return http::created(bj::serialize(out));
}

asio::awaitable<http::Reply> get_hook(StackHooks& hooks, RequestContext& c) {
  const auto hook = co_await hooks.get(c.caller(), c.param("env"), c.param("name"));
  co_return http::ok(bj::serialize(to_json(hook)));
}

asio::awaitable<http::Reply> revoke_hook(StackHooks& hooks, RequestContext& c) {
  co_await hooks.revoke(c.caller(), c.param("env"), c.param("name"));
  co_return http::no_content();
}

// Public: the token in the path is the credential.
asio::awaitable<http::Reply> fire_hook(StackHooks& hooks, RequestContext& c) {
  const auto outcome = co_await hooks.fire(c.param("token"), http::client_of(c));
  co_return http::ok(bj::serialize(bj::object{{"environment", outcome.environment},
                                              {"stack", outcome.stack},
                                              {"version", outcome.version},
                                              {"status", outcome.status}}));
}

http::Handler with(StackHooks& hooks,
                   asio::awaitable<http::Reply> (*handler)(StackHooks&, RequestContext&)) {
  return [&hooks, handler](RequestContext& c) { return handler(hooks, c); };
}

// PUT …/swarm/stacks/{name} {compose, team?, variables?, env_files?}: `docker stack deploy`.
asio::awaitable<http::Reply> deploy_swarm_stack(SwarmStackHost& host, RequestContext& c) {
  const auto body = json::parse_object(c.request.body());
  json::only_fields(body, {"compose", "team", "variables", "env_files"});
  ComposeInputs inputs;
  inputs.project = c.param("name");
  inputs.variables = string_map(body, "variables");
  inputs.env_files = string_map(body, "env_files");
  inputs.swarm = true;
  auto plan = swarm_stack_plan(parse_compose(json::required_string(body, "compose"), inputs));
  auto services = co_await host.deploy(c.caller(), c.param("env"),
                                       json::optional_string(body, "team"), std::move(plan));
  co_return http::ok(
      bj::serialize(bj::object{{"name", c.param("name")}, {"services", std::move(services)}}));
}

http::Handler with(StackService& stacks,
                   asio::awaitable<http::Reply> (*handler)(StackService&, RequestContext&)) {
  return [&stacks, handler](RequestContext& c) { return handler(stacks, c); };
}

}  // namespace

// clang-format off
void add_stack_routes(http::Router& router, StackService& stacks, StackHooks& hooks) {
  router.add(Verb::get, path(""), with(stacks, list_stacks), on_environment(perm::containers_read));
  router.add(Verb::get, path("/{name}"), with(stacks, get_stack), on_environment(perm::containers_read));
  router.add(Verb::get, path("/{name}/history"), with(stacks, stack_history), on_environment(perm::containers_read));
  router.add(Verb::get, path("/{name}/logs"), with(stacks, stack_logs), on_environment(perm::containers_logs));
  router.add(Verb::post, path(""), with(stacks, create_stack), on_environment(perm::containers_create).audited("stacks.create"));
  router.add(Verb::put, path("/{name}"), with(stacks, update_stack), on_environment(perm::containers_create).audited("stacks.update"));
  router.add(Verb::post, path("/{name}/stop"), with(stacks, stop_stack), on_environment(perm::containers_create).audited("stacks.stop"));
  router.add(Verb::post, path("/{name}/start"), with(stacks, start_stack), on_environment(perm::containers_create).audited("stacks.start"));
  router.add(Verb::post, path("/{name}/rollback"), with(stacks, rollback_stack), on_environment(perm::containers_create).audited("stacks.rollback"));
  router.add(Verb::delete_, path("/{name}"), with(stacks, delete_stack), on_environment(perm::containers_delete).audited("stacks.delete"));
  router.add(Verb::post, path("/{name}/git-sync"), with(stacks, sync_stack_git), on_environment(perm::containers_create).audited("stacks.git_sync"));
  router.add(Verb::post, path("/{name}/redeploy"), with(stacks, redeploy_stack), on_environment(perm::containers_create).audited("stacks.redeploy"));
  router.add(Verb::put, path("/{name}/auto-update"), with(stacks, set_auto_update), on_environment(perm::containers_create).audited("stacks.auto_update.set"));
  router.add(Verb::get, path("/{name}/hook"), with(hooks, get_hook), on_environment(perm::containers_read));
  router.add(Verb::put, path("/{name}/hook"), with(hooks, issue_hook), on_environment(perm::containers_create).audited("stacks.hook.create"));
  router.add(Verb::delete_, path("/{name}/hook"), with(hooks, revoke_hook), on_environment(perm::containers_create).audited("stacks.hook.delete"));
  // Guessing tokens is held to the sign-in budget; each call is audited by StackHooks::fire.
  router.add(Verb::post, "/api/v1/hooks/stacks/{token}", with(hooks, fire_hook), http::needs(http::access::kPublic).limited_as(http::RateClass::sign_in));
}
// clang-format on

void add_swarm_stack_routes(http::Router& router, SwarmStackHost& host) {
  router.add(http::Verb::put, "/api/v1/environments/{env}/swarm/stacks/{name}",
             [&host](RequestContext& c) { return deploy_swarm_stack(host, c); },
             on_environment(perm::containers_create).audited("swarm_stacks.put"));
}

}  // namespace dokkerr::stacks
