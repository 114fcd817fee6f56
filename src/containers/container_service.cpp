#include "containers/container_service.hpp"

#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/resource_quota.hpp"
#include "containers/tenancy_service.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "docker/errors.hpp"
#include "policy/policy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxExecOutput = 1024U * 1024U;

std::string_view action_path(ContainerAction action) {
  switch (action) {
    case ContainerAction::start:
      return "start";
    case ContainerAction::stop:
      return "stop";
    case ContainerAction::restart:
      return "restart";
    case ContainerAction::kill:
      return "kill";
    case ContainerAction::pause:
      return "pause";
    case ContainerAction::unpause:
      return "unpause";
  }
  return "start";
}

std::string container_path(const std::string& ref) {
  return object_path("containers", ref, "container");
}

void check_name(const std::string& name) {
  // The engine's own rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ ; checked here for a clear 400.
  const auto ok_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  };
  std::string_view text = name;
  if (!text.empty() && text.front() == '/') text.remove_prefix(1);
  if (text.size() < 2 || text.size() > 128 ||
      !std::isalnum(static_cast<unsigned char>(text.front())) ||
      !std::all_of(text.begin(), text.end(), ok_char)) {
    throw Error::invalid("invalid_parameter",
                         "Container names are 2-128 characters of [a-zA-Z0-9_.-], starting with a "
                         "letter or digit.");
  }
}

// Whether the container runs with a TTY: its log is then raw bytes rather than frames.
asio::awaitable<bool> has_tty(Engine& engine, const std::string& ref) {
  auto target = container_path(ref) + "/json";
  const auto inspect =
      co_await call_json(engine, docker::Verb::get, std::move(target), "container");
  const auto* object = inspect.if_object();
  const auto* config = object != nullptr ? object->if_contains("Config") : nullptr;
  if (config != nullptr && config->is_object()) {
    const auto* tty = config->as_object().if_contains("Tty");
    if (tty != nullptr && tty->is_bool()) co_return tty->as_bool();
  }
  co_return false;
}

// The id the engine gave a container it created ("" when it said none).
std::string created_id(const boost::json::value& created) {
  const auto* object = created.if_object();
  const auto* id = object != nullptr ? object->if_contains("Id") : nullptr;
  return id != nullptr && id->is_string() ? std::string(id->as_string()) : std::string();
}

}  // namespace

asio::awaitable<Resolved> ContainerService::owned(const Principal& caller, std::string env,
                                                  std::string ref, std::string_view permission) {
  co_return co_await tenancy_.resolve(caller, std::move(env), ResourceKind::container,
                                      std::move(ref), permission);
}

asio::awaitable<Page<std::string>> ContainerService::list(const Principal& caller, std::string env,
                                                          ContainerFilter filter, std::size_t limit,
                                                          std::string cursor) {
  filter.teams = tenancy_.visible_teams(caller, env, perm::containers_read);
  if (filter.teams) {
    filter.assigned = co_await tenancy_.assigned_ids(env, ResourceKind::container, *filter.teams);
  }
  auto engine = environments_.engine_up(env);
  co_return engine->model().list(filter, limit, cursor);
}

std::string ContainerService::checked_create(const Principal& caller, const std::string& env,
                                             const Creation& creation,
                                             std::string_view body) const {
  policy::CreateContext context;
  context.is_admin = caller.is_admin;
  context.team_id = creation.team;
  context.container_team = [this, env](std::string_view ref) {
    return tenancy_.container_team(env, ref);
  };
  return policy::check_container_create(body, creation.policy, context);
}

asio::awaitable<void> ContainerService::check_create(const Principal& caller, std::string env,
                                                     ContainerCreate request) {
  const auto creation =
      co_await tenancy_.creation(caller, env, request.team, perm::containers_create);
  (void)checked_create(caller, env, creation, request.body);
}

asio::awaitable<boost::json::value> ContainerService::create(const Principal& caller,
                                                             std::string env,
                                                             ContainerCreate request) {
  const auto creation =
      co_await tenancy_.creation(caller, env, request.team, perm::containers_create);
  // The engine gets the body rebuilt from what the policy parsed, never the client's bytes.
  auto body = json::parse_object(checked_create(caller, env, creation, request.body));
  if (creation.team.empty()) {
    // The engine merges the image's labels into the container's: pin the team label to empty
    // so that an image carrying one cannot hand the container to a team.
    auto& labels = body["Labels"];
    if (!labels.is_object()) labels = boost::json::object{};
    labels.as_object()[kTeamLabel] = "";
  }
  if (!caller.is_admin) {
    co_await tenancy_.place_on_team_network(env, creation.team, body);
    co_await tenancy_.check_references(env, creation.team, body);
  }
  // The engine would create a container without an image; nobody wants that.
  const auto image = json::optional_string(body, "Image");
  if (!image || image->empty()) {
    throw Error::invalid("invalid_body", "Field 'Image' is required.");
  }
  auto engine = environments_.engine_up(env);
  if (!request.idempotency_token.empty()) {
    if (auto earlier = co_await created_by(*engine, request.idempotency_token)) {
      // The first try made it and never answered (its server stopped): that container is the
      // answer, and it gets the owner row it may have missed.
      if (!creation.team.empty()) {
        co_await tenancy_.record_owner(env, ResourceKind::container, *earlier, creation.team);
      }
      co_return boost::json::object{{"Id", *earlier}, {"Warnings", boost::json::array{}}};
    }
    auto& labels = body["Labels"];
    if (!labels.is_object()) labels = boost::json::object{};
    labels.as_object()[kRequestLabel] = request.idempotency_token;
  }
  check_quota(caller, *engine, creation);
  boost::json::object host_config;
  if (const auto* host = body.if_contains("HostConfig"); host != nullptr && host->is_object()) {
    host_config = host->as_object();
  }
  co_await check_resources(caller, *engine, creation.team, creation.policy, host_config, "");
  if (request.pull) co_await pull_for_create(caller, env, creation.team, *image, *request.pull);
  std::string target = "/containers/create";
  if (request.name) {
    check_name(*request.name);
    target += "?name=" + encode(*request.name);
  }
  auto text = boost::json::serialize(body);
  auto created = co_await call_json(*engine, docker::Verb::post, std::move(target), "container",
                                    std::move(text));
  const auto id = created_id(created);
  if (!id.empty()) co_await engine->refresh_container(id);
  if (!creation.team.empty()) {
    if (id.empty()) {
      throw Error(ErrorKind::bad_gateway, "engine_error",
                  "The engine did not say what it created.");
    }
    co_await tenancy_.record_owner(env, ResourceKind::container, id, creation.team);
  }
  co_return created;
}

asio::awaitable<void> ContainerService::pull_for_create(const Principal& caller,
                                                        const std::string& env,
                                                        const std::string& team,
                                                        const std::string& image,
                                                        PullPolicy policy) {
  const bool may_pull = caller.is_admin ? caller.scope_allows(perm::images_pull)
                                        : caller.has_in_team(team, perm::images_pull);
  if (!may_pull) {
    throw Error(ErrorKind::forbidden, "permission_denied",
                "Pulling the image first needs the permission images:pull.");
  }
  if (images_ == nullptr) {
    throw Error::invalid("invalid_parameter", "This server cannot pull on create.");
  }
  co_await images_->ensure(caller, env, image, policy, team);
}

void ContainerService::check_quota(const Principal& caller, Engine& engine,
                                   const Creation& creation) {
  const auto limit = creation.policy.max_containers;
  if (caller.is_admin || creation.team.empty() || limit <= 0) return;
  // Counted from the engine's model (every state): creates racing each other may pass the
  // count together, so the quota can be exceeded by the creates in flight at that moment.
  ContainerFilter mine;
  mine.all = true;
  mine.teams = std::set<std::string, std::less<>>{creation.team};
  const auto total = engine.model().counts(mine).total;
  if (std::cmp_greater_equal(total, limit)) {
    throw Error(ErrorKind::forbidden, "quota_exceeded",
                "The team has " + std::to_string(total) + " containers here, its quota " +
                    "(max_containers) is " + std::to_string(limit) + ".");
  }
}

asio::awaitable<void> ContainerService::check_resources(const Principal& caller, Engine& engine,
                                                        const std::string& team,
                                                        const policy::Policy& rules,
                                                        const boost::json::object& host_config,
                                                        std::string_view except) {
  if (caller.is_admin || team.empty() || !has_resource_quota(rules)) co_return;
  ContainerFilter mine;
  mine.teams = std::set<std::string, std::less<>>{team};
  auto ids = engine.model().ids(mine);
  std::erase(ids, std::string(except));
  // Like the container count, creates racing each other can pass together.
  const auto others = co_await reserved_by(engine, std::move(ids));
  check_reservation(rules, others, reservation_of(host_config));
}

asio::awaitable<std::optional<std::string>> ContainerService::created_by(Engine& engine,
                                                                         std::string token) {
  const auto filters = boost::json::serialize(
      boost::json::object{{"label", boost::json::array{std::string(kRequestLabel) + "=" + token}}});
  auto found = co_await call_json(engine, docker::Verb::get,
                                  "/containers/json?all=1&filters=" + encode(filters), "container");
  const auto* list = found.if_array();
  if (list == nullptr || list->empty() || !list->front().is_object()) co_return std::nullopt;
  const auto* id = list->front().as_object().if_contains("Id");
  if (id == nullptr || !id->is_string()) co_return std::nullopt;
  co_return std::string(id->as_string());
}

asio::awaitable<boost::json::value> ContainerService::inspect(const Principal& caller,
                                                              std::string env, std::string ref) {
  const auto target = co_await owned(caller, env, ref, perm::containers_read);
  auto engine = environments_.engine_up(env);
  auto path = container_path(target.id) + "/json";
  auto value = co_await call_json(*engine, docker::Verb::get, std::move(path), "container");
  if (auto* object = value.if_object()) {
    // The owner as tenancy resolved it; for admins (who skip that) as the label names it.
    std::string team = target.team;
    if (team.empty()) {
      const auto* config = object->if_contains("Config");
      const auto* labels = config != nullptr && config->is_object()
                               ? config->as_object().if_contains("Labels")
                               : nullptr;
      const auto* label = labels != nullptr && labels->is_object()
                              ? labels->as_object().if_contains(kTeamLabel)
                              : nullptr;
      if (label != nullptr && label->is_string()) team = std::string(label->as_string());
    }
    (*object)["Dokkerr"] = boost::json::object{
        {"environment", env},
        {"team", team.empty() ? boost::json::value(nullptr) : boost::json::value(team)}};
  }
  co_return value;
}

asio::awaitable<void> ContainerService::act(const Principal& caller, std::string env,
                                            std::string ref, ContainerAction action,
                                            ActionOptions options) {
  const auto container = co_await owned(caller, env, ref, perm::containers_operate);
  auto engine = environments_.engine_up(env);
  std::string target = container_path(container.id) + "/" + std::string(action_path(action));
  if (action == ContainerAction::stop || action == ContainerAction::restart) {
    if (options.stop_timeout) target += "?t=" + std::to_string(*options.stop_timeout);
  } else if (action == ContainerAction::kill && options.signal) {
    if (options.signal->empty() || options.signal->size() > 16) {
      throw Error::invalid("invalid_parameter", "Query parameter 'signal' is not a signal.");
    }
    target += "?signal=" + encode(*options.signal);
  }
  const auto response = co_await engine->client().request(docker::Verb::post, std::move(target));
  // 304 means "already in that state": the request's goal holds, so it is a success.
  if (!response.ok() && response.status != 304) {
    throw docker::map_engine_error(response.status, response.body, "container");
  }
  co_await engine->refresh_container(engine->resolve(container.id));
}

asio::awaitable<void> ContainerService::rename(const Principal& caller, std::string env,
                                               std::string ref, std::string name) {
  const auto container = co_await owned(caller, env, ref, perm::containers_update);
  check_name(name);
  auto engine = environments_.engine_up(env);
  const auto id = engine->resolve(container.id);
  auto target = container_path(container.id) + "/rename?name=" + encode(name);
  co_await call(*engine, docker::Verb::post, std::move(target), "container");
  co_await engine->refresh_container(id);
}

asio::awaitable<boost::json::array> ContainerService::update(const Principal& caller,
                                                             std::string env, std::string ref,
                                                             std::string body) {
  const auto container = co_await owned(caller, env, ref, perm::containers_update);
  const auto rules = co_await tenancy_.policy_of(container.team);
  auto checked = policy::check_container_update(body, rules, caller.is_admin);
  auto engine = environments_.engine_up(env);
  if (!caller.is_admin && !container.team.empty() && has_resource_quota(rules)) {
    auto inspected = co_await call_json(*engine, docker::Verb::get,
                                        container_path(container.id) + "/json", "container");
    boost::json::object host;
    if (const auto* object = inspected.if_object()) {
      if (const auto* current = object->if_contains("HostConfig"); current && current->is_object())
        host = current->as_object();
    }
    apply_update(host, json::parse_object(checked));
    const auto id = engine->resolve(container.id);
    co_await check_resources(caller, *engine, container.team, rules, host, id);
  }
  auto target = container_path(container.id) + "/update";
  auto result = co_await call_json(*engine, docker::Verb::post, std::move(target), "container",
                                   std::move(checked));
  co_await engine->refresh_container(engine->resolve(container.id));
  if (auto* object = result.if_object()) {
    if (auto* warnings = object->if_contains("Warnings"); warnings && warnings->is_array()) {
      co_return std::move(warnings->as_array());
    }
  }
  co_return boost::json::array{};
}

asio::awaitable<void> ContainerService::remove(const Principal& caller, std::string env,
                                               std::string ref, RemoveOptions options) {
  const auto container = co_await owned(caller, env, ref, perm::containers_delete);
  auto engine = environments_.engine_up(env);
  const auto id = engine->resolve(container.id);
  auto target = container_path(container.id) + "?force=" + (options.force ? "1" : "0") +
                "&v=" + (options.volumes ? "1" : "0");
  co_await call(*engine, docker::Verb::delete_, std::move(target), "container");
  engine->forget_container(id);
  co_await tenancy_.forget(env, ResourceKind::container, container.id);
}

asio::awaitable<boost::json::value> ContainerService::top(const Principal& caller, std::string env,
                                                          std::string ref, std::string ps_args) {
  const auto container = co_await owned(caller, env, ref, perm::containers_read);
  auto engine = environments_.engine_up(env);
  std::string target = container_path(container.id) + "/top";
  if (!ps_args.empty()) target += "?ps_args=" + encode(ps_args);
  co_return co_await call_json(*engine, docker::Verb::get, std::move(target), "container");
}

asio::awaitable<boost::json::value> ContainerService::wait(const Principal& caller, std::string env,
                                                           std::string ref, std::string condition) {
  const auto container = co_await owned(caller, env, ref, perm::containers_read);
  if (condition != "not-running" && condition != "next-exit" && condition != "removed") {
    throw Error::invalid("invalid_parameter",
                         "Query parameter 'condition' must be not-running, next-exit or removed.");
  }
  auto engine = environments_.engine_up(env);
  auto target = container_path(container.id) + "/wait?condition=" + condition;
  co_return co_await call_json(*engine, docker::Verb::post, std::move(target), "container");
}

asio::awaitable<Logs> ContainerService::logs(const Principal& caller, std::string env,
                                             std::string ref, LogOptions options) {
  const auto container = co_await owned(caller, env, ref, perm::containers_logs);
  auto engine = environments_.engine_up(env);
  const bool tty = co_await has_tty(*engine, container.id);
  auto target = container_path(container.id) + "/logs" + log_query(options, false);
  co_return co_await read_logs(*engine, std::move(target), "container", tty);
}

asio::awaitable<LogFeed> ContainerService::follow_logs(const Principal& caller, std::string env,
                                                       std::string ref, LogOptions options) {
  const auto container = co_await owned(caller, env, ref, perm::containers_logs);
  auto engine = environments_.engine_up(env);
  LogFeed feed;
  feed.tty = co_await has_tty(*engine, container.id);
  auto target = container_path(container.id) + "/logs" + log_query(options, true);
  feed.stream = co_await open_stream(*engine, docker::Verb::get, std::move(target), "container");
  co_return feed;
}

asio::awaitable<boost::json::value> ContainerService::stats(const Principal& caller,
                                                            std::string env, std::string ref) {
  const auto container = co_await owned(caller, env, ref, perm::containers_read);
  auto engine = environments_.engine_up(env);
  // The collector's newest samples when it has them: the engine needs a second or two to
  // measure a one-shot sample.
  if (live_ != nullptr && live_->covers(env)) {
    if (const auto id = engine->model().resolve(container.id)) {
      if (auto document = live_->engine_document(env, *id)) co_return std::move(*document);
    }
  }
  auto target = container_path(container.id) + "/stats?stream=0";
  co_return co_await call_json(*engine, docker::Verb::get, std::move(target), "container");
}

namespace {

// Seconds between two of the engine's RFC 3339 times ("2026-12-06T23:00:01.123456789Z"), or
// nullopt when either is missing or the zero time it writes for "never".
std::optional<std::int64_t> epoch_seconds(std::string_view text) {
  if (text.size() < 19 || text.starts_with("0001-")) return std::nullopt;
  auto digits = [&](std::size_t at, std::size_t count) -> std::optional<int> {
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
      if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
  const auto h = digits(11, 2), mi = digits(14, 2), se = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !se) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*y),
                                         std::chrono::month(static_cast<unsigned>(*mo)),
                                         std::chrono::day(static_cast<unsigned>(*d))};
  if (!date.ok()) return std::nullopt;
  // The engine writes UTC ("Z"); a numeric offset would come from a clock set otherwise.
  return std::chrono::sys_days(date).time_since_epoch().count() * 86400LL + *h * 3600LL +
         *mi * 60LL + *se;
}

std::string text_at(const boost::json::object* parent, std::string_view key) {
  if (parent == nullptr) return {};
  const auto* value = parent->if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::int64_t integer_at(const boost::json::object* parent, std::string_view key) {
  if (parent == nullptr) return 0;
  const auto* value = parent->if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_int64()) return value->as_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->as_uint64());
  return 0;
}

const boost::json::object* object_in(const boost::json::object* parent, std::string_view key) {
  if (parent == nullptr) return nullptr;
  const auto* value = parent->if_contains(key);
  return value != nullptr && value->is_object() ? &value->as_object() : nullptr;
}

// Health-check output kept per result: the engine keeps up to 4 KiB of it.
constexpr std::size_t kHealthOutputBytes = 1024;

}  // namespace

asio::awaitable<boost::json::object> ContainerService::health(const Principal& caller,
                                                              std::string env, std::string ref) {
  const auto container = co_await owned(caller, env, ref, perm::containers_read);
  auto engine = environments_.engine_up(env);
  const auto inspect = co_await call_json(*engine, docker::Verb::get,
                                          container_path(container.id) + "/json", "container");
  const auto* doc = inspect.if_object();
  const auto* state = object_in(doc, "State");
  boost::json::object out{
      {"id", text_at(doc, "Id")},
      {"state", text_at(state, "Status")},
      {"restarting", state != nullptr && state->contains("Restarting") &&
                         state->at("Restarting").is_bool() && state->at("Restarting").as_bool()},
      {"restart_count", integer_at(doc, "RestartCount")},
      {"exit_code", integer_at(state, "ExitCode")},
      {"oom_killed", state != nullptr && state->contains("OOMKilled") &&
                         state->at("OOMKilled").is_bool() && state->at("OOMKilled").as_bool()}};
  const auto started = text_at(state, "StartedAt");
  const auto finished = text_at(state, "FinishedAt");
  out["started_at"] = epoch_seconds(started) ? boost::json::value(started) : nullptr;
  out["finished_at"] = epoch_seconds(finished) ? boost::json::value(finished) : nullptr;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto since = epoch_seconds(started);
  out["uptime_seconds"] = text_at(state, "Status") == "running" && since
                              ? boost::json::value(std::max<std::int64_t>(0, now - *since))
                              : nullptr;
  if (const auto* check = object_in(state, "Health")) {
    boost::json::array results;
    if (const auto* log = check->if_contains("Log"); log != nullptr && log->is_array()) {
      for (const auto& entry : log->as_array()) {
        if (!entry.is_object()) continue;
        auto output = text_at(&entry.as_object(), "Output");
        if (output.size() > kHealthOutputBytes) output.resize(kHealthOutputBytes);
        results.push_back(
            boost::json::object{{"start", text_at(&entry.as_object(), "Start")},
                                {"end", text_at(&entry.as_object(), "End")},
                                {"exit_code", integer_at(&entry.as_object(), "ExitCode")},
                                {"output", std::move(output)}});
      }
    }
    out["health"] = boost::json::object{{"status", text_at(check, "Status")},
                                        {"failing_streak", integer_at(check, "FailingStreak")},
                                        {"results", std::move(results)}};
  } else {
    out["health"] = nullptr;
  }
  co_return out;
}

asio::awaitable<std::unique_ptr<docker::EngineStream>> ContainerService::stats_feed(
    const Principal& caller, std::string env, std::string ref) {
  const auto container = co_await owned(caller, env, ref, perm::containers_read);
  auto engine = environments_.engine_up(env);
  auto target = container_path(container.id) + "/stats?stream=1";
  co_return co_await open_stream(*engine, docker::Verb::get, std::move(target), "container");
}

asio::awaitable<StatsBoard> ContainerService::stats_board(const Principal& caller, std::string env,
                                                          std::vector<std::string> refs) {
  if (refs.empty() || refs.size() > kMaxStatsBoardContainers) {
    throw Error::invalid(
        "invalid_parameter",
        "Give 1 to " + std::to_string(kMaxStatsBoardContainers) + " containers as ?id=.");
  }
  std::ranges::sort(refs);
  const auto [first, last] = std::ranges::unique(refs);
  refs.erase(first, last);
  auto engine = environments_.engine_up(env);
  StatsBoard board;
  board.live = live_;
  board.environment = env;
  const bool collected = live_ != nullptr && live_->covers(env);
  for (auto& ref : refs) {
    std::unique_ptr<docker::EngineStream> stream;
    std::optional<std::string> polled;
    try {
      const auto container = co_await owned(caller, env, ref, perm::containers_read);
      if (collected) polled = engine->model().resolve(container.id);
      if (!polled) {
        auto target = container_path(container.id) + "/stats?stream=1";
        stream = co_await open_stream(*engine, docker::Verb::get, std::move(target), "container");
      }
    } catch (const Error& error) {
      // Unknown, not the caller's, or removed since the client listed it.
      if (error.kind() != ErrorKind::not_found) throw;
    }
    if (polled) {
      board.polled.push_back({std::move(ref), std::move(*polled)});
    } else if (stream) {
      board.feeds.push_back({std::move(ref), std::move(stream)});
    } else {
      board.missing.push_back(std::move(ref));
    }
  }
  co_return board;
}

asio::awaitable<void> ContainerService::check_exec(const Principal& caller, std::string env,
                                                   const Resolved& container,
                                                   const ExecRequest& request) {
  const bool as_root = policy::names_root(request.user);
  if (caller.is_admin || (!request.privileged && !as_root)) co_return;
  const auto rules = co_await tenancy_.policy_of(container.team);
  policy::check_exec(request.privileged, rules, caller.is_admin);
  if (!as_root || rules.allow_root_exec) co_return;
  // Only then is the container's own user worth a trip to the engine.
  auto engine = environments_.engine_up(env);
  const auto inspected = co_await call_json(*engine, docker::Verb::get,
                                            container_path(container.id) + "/json", "container");
  std::string container_user;
  if (const auto* config =
          inspected.is_object() ? inspected.as_object().if_contains("Config") : nullptr;
      config != nullptr && config->is_object()) {
    if (const auto* user = config->as_object().if_contains("User");
        user != nullptr && user->is_string()) {
      container_user = std::string(user->as_string());
    }
  }
  policy::check_exec_user(request.user, container_user, rules, caller.is_admin);
}

asio::awaitable<ExecResult> ContainerService::exec(const Principal& caller, std::string env,
                                                   std::string ref, ExecRequest request,
                                                   std::chrono::seconds timeout) {
  const auto container = co_await owned(caller, env, ref, perm::containers_exec);
  co_await check_exec(caller, env, container, request);
  auto engine = environments_.engine_up(env);
  auto session = co_await ExecSession::start(engine, container.id, request, false);
  ExecResult result;
  auto append = [&result](std::string& target, std::string_view data) {
    const auto room = kMaxExecOutput - std::min(kMaxExecOutput, target.size());
    if (data.size() > room) result.truncated = true;
    target.append(data.substr(0, room));
  };
  auto read_output = [&]() -> asio::awaitable<void> {
    try {
      for (;;) {
        auto frames = co_await session->read_output();
        if (!frames) break;
        for (const auto& frame : *frames) {
          const bool is_stderr = frame.stream == docker::StreamKind::stderr_;
          append(is_stderr ? result.stderr_text : result.stdout_text, frame.payload);
        }
      }
    } catch (const std::exception&) {
      // Closed by the deadline below, or the engine went away: what was read is returned.
    }
  };
  auto deadline = [&]() -> asio::awaitable<void> {
    asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
    auto [ec] = co_await timer.async_wait(as_tuple);
    if (!ec) {
      result.timed_out = true;
      session->close();
    }
  };
  co_await (read_output() || deadline());
  session->close();
  if (!result.timed_out) result.exit_code = co_await session->exit_code();
  co_return result;
}

asio::awaitable<std::unique_ptr<ExecSession>> ContainerService::exec_interactive(
    const Principal& caller, std::string env, std::string ref, ExecRequest request,
    std::optional<TerminalSize> size) {
  const auto container = co_await owned(caller, env, ref, perm::containers_exec);
  co_await check_exec(caller, env, container, request);
  auto engine = environments_.engine_up(env);
  auto session = co_await ExecSession::start(engine, container.id, request, true);
  if (size && request.tty) co_await session->resize(*size);
  co_return session;
}

}  // namespace dokkerr::containers
