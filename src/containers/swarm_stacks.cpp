#include "containers/engine_call.hpp"
#include "containers/engine_fields.hpp"
#include "containers/environment_service.hpp"
#include "containers/swarm_service.hpp"
#include "containers/swarm_spec.hpp"
#include "containers/swarm_support.hpp"
#include "containers/tenancy_service.hpp"
#include "core/error.hpp"
#include "core/permissions.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <map>
#include <set>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;
using fields::int_at;
using fields::object_at;
using fields::string_at;
using namespace swarm;

// How long removing a stack waits for its tasks to let go of its networks.
constexpr auto kNetworkReleaseAttempts = 60;
constexpr auto kNetworkReleaseInterval = std::chrono::milliseconds(500);

std::string stack_filter(const std::string& stack) {
  return filters_query("label", std::string(kStackLabel) + "=" + stack);
}

}  // namespace

asio::awaitable<bj::array> SwarmService::stack_services(Engine& engine, const std::string& stack) {
  auto listed = co_await call_json(engine, docker::Verb::get,
                                   "/services?status=true&" + stack_filter(stack), "service");
  co_return array_of(std::move(listed));
}

asio::awaitable<bj::array> SwarmService::deploy_stack(const Principal& caller, std::string env,
                                                      std::optional<std::string> team,
                                                      SwarmStackDeployment stack) {
  const auto creation =
      co_await tenancy_.creation(caller, env, std::move(team), perm::containers_create);
  refuse_under_quota(caller, creation.policy);
  const ServiceRules rules{caller.is_admin, creation.policy};
  std::vector<CheckedServiceSpec> services;
  std::set<std::string, std::less<>> names;
  for (const auto& body : stack.services) {
    auto checked = check_service_spec(body, rules);
    const auto name = string_at(checked.spec, "name");
    if (!name.starts_with(stack.name + "_") || !names.insert(name).second) {
      throw Error::invalid("invalid_body",
                           "A stack's services are named <stack>_<service>, once each.");
    }
    services.push_back(std::move(checked));
  }
  auto engine = environments_.engine_up(env);
  // The services the stack has now; all of them must be the deploying team's.
  std::map<std::string, bj::object, std::less<>> current;
  auto existing = co_await stack_services(*engine, stack.name);
  for (auto& item : existing) {
    if (!item.is_object()) continue;
    auto& service = item.as_object();
    const auto& spec = object_at(service, "Spec");
    if (label_team(object_at(spec, "Labels")) != creation.team) {
      throw Error::conflict("swarm_stack_taken",
                            "A stack named '" + stack.name + "' belongs to someone else.");
    }
    current.emplace(string_at(spec, "Name"), std::move(service));
  }
  for (const auto& network : stack.networks) {
    if (network.external) continue;  // a service's reference to it is checked as any other
    bj::object labels{{kStackLabel, stack.name}};
    co_await ensure_overlay(env, *engine, network.name, creation.team, std::move(labels),
                            network.internal, "swarm_stack_taken");
  }
  for (const auto& checked : services) {
    auto headers = co_await pull_headers(caller, checked, creation.team);
    auto references = co_await references_for(caller, env, *engine, checked, creation.team);
    if (!caller.is_admin) references.pids_limit = creation.policy.max_pids;
    auto spec = build_engine_spec(checked, references);
    const auto found = current.find(string_at(checked.spec, "name"));
    if (found == current.end()) {
      co_await call(*engine, docker::Verb::post, "/services/create", "service", bj::serialize(spec),
                    std::move(headers));
      continue;
    }
    OwnedService service{found->second, string_at(found->second, "ID"), creation.team};
    auto merged = merged_spec(object_at(found->second, "Spec"), std::move(spec));
    co_await update_engine_service(*engine, service, std::move(merged), false, std::move(headers));
  }
  // What the file no longer names goes, as its containers go from a Compose stack.
  for (const auto& [name, service] : current) {
    if (names.contains(name)) continue;
    co_await call(*engine, docker::Verb::delete_,
                  object_path("services", string_at(service, "ID"), "service"), "service");
  }
  const auto network_ids = co_await network_names(*engine);
  const auto deployed = co_await stack_services(*engine, stack.name);
  bj::array out;
  for (const auto& item : deployed) {
    if (item.is_object()) out.push_back(service_summary(item.as_object(), network_ids, false));
  }
  co_return out;
}

asio::awaitable<bj::array> SwarmService::list_stacks(const Principal& caller, std::string env) {
  auto engine = environments_.engine_up(env);
  auto listed = co_await call_json(*engine, docker::Verb::get, "/services?status=true", "service");
  const auto teams = tenancy_.visible_teams(caller, env, perm::containers_read);
  std::map<std::string, bj::object, std::less<>> stacks;
  for (const auto& item : array_of(std::move(listed))) {
    if (!item.is_object()) continue;
    const auto& service = item.as_object();
    const auto& labels = object_at(object_at(service, "Spec"), "Labels");
    const auto stack = string_at(labels, kStackLabel);
    const auto team = label_team(labels);
    if (stack.empty() || (teams && (team.empty() || !teams->contains(team)))) continue;
    auto& entry = stacks[stack];
    if (entry.empty()) {
      entry = bj::object{{"name", stack},
                         {"team", team_or_null(team)},
                         {"services", 0},
                         {"running", 0},
                         {"desired", 0}};
    }
    const auto& status = object_at(service, "ServiceStatus");
    entry["services"] = entry["services"].as_int64() + 1;
    entry["running"] = entry["running"].as_int64() + int_at(status, "RunningTasks");
    entry["desired"] = entry["desired"].as_int64() + int_at(status, "DesiredTasks");
  }
  bj::array out;
  for (auto& [name, entry] : stacks) out.push_back(std::move(entry));
  co_return out;
}

asio::awaitable<void> SwarmService::remove_stack(const Principal& caller, std::string env,
                                                 std::string name) {
  auto engine = environments_.engine_up(env);
  const auto teams = tenancy_.visible_teams(caller, env, perm::containers_delete);
  const auto mine = [&](const bj::object& labels) {
    const auto team = label_team(labels);
    return !teams || (!team.empty() && teams->contains(team));
  };
  std::vector<std::string> services;
  const auto listed = co_await stack_services(*engine, name);
  for (const auto& item : listed) {
    if (!item.is_object()) continue;
    const auto& spec = object_at(item.as_object(), "Spec");
    if (mine(object_at(spec, "Labels"))) services.push_back(string_at(item.as_object(), "ID"));
  }
  auto networks =
      co_await call_json(*engine, docker::Verb::get, "/networks?" + stack_filter(name), "network");
  std::vector<std::string> network_ids;
  for (const auto& item : array_of(std::move(networks))) {
    if (item.is_object() && mine(object_at(item.as_object(), "Labels"))) {
      network_ids.push_back(string_at(item.as_object(), "Id"));
    }
  }
  if (services.empty() && network_ids.empty()) {
    throw Error::not_found("stack_not_found", "No such stack.");
  }
  for (const auto& id : services) {
    co_await call(*engine, docker::Verb::delete_, object_path("services", id, "service"),
                  "service");
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (const auto& id : network_ids) {
    // The engine takes the tasks down after the services go; their endpoints hold the network
    // until then.
    for (int attempt = 1;; ++attempt) {
      std::optional<Error> refused;
      try {
        co_await call(*engine, docker::Verb::delete_, object_path("networks", id, "network"),
                      "network");
      } catch (const Error& error) {
        refused = error;
      }
      if (!refused || refused->kind() == ErrorKind::not_found) break;
      if (refused->kind() != ErrorKind::conflict || attempt >= kNetworkReleaseAttempts)
        throw *refused;
      timer.expires_after(kNetworkReleaseInterval);
      co_await timer.async_wait(asio::use_awaitable);
    }
    co_await tenancy_.forget(env, ResourceKind::network, id);
  }
}

}  // namespace dokkerr::containers
