#include "containers/owner_reconciler.hpp"

#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/ownership_store.hpp"
#include "containers/team_directory.hpp"
#include "containers/tenancy_service.hpp"
#include "core/audit_trail.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/logger.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::containers {

namespace asio = boost::asio;
namespace bj = boost::json;

namespace {

struct Labelled {
  std::string id, team;
};

std::string label(const bj::object& labels, std::string_view name) {
  const auto* value = labels.if_contains(name);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

// The containers that name a team, from the engine's list.
std::vector<Labelled> team_labelled(const bj::value& list) {
  std::vector<Labelled> found;
  const auto* items = list.if_array();
  if (items == nullptr) return found;
  for (const auto& item : *items) {
    const auto* object = item.if_object();
    if (object == nullptr) continue;
    const auto* id = object->if_contains("Id");
    const auto* labels = object->if_contains("Labels");
    if (id == nullptr || !id->is_string() || labels == nullptr || !labels->is_object()) continue;
    Labelled entry{std::string(id->as_string()), label(labels->as_object(), kTeamLabel)};
    if (!entry.team.empty()) found.push_back(std::move(entry));
  }
  return found;
}

}  // namespace

asio::awaitable<ReconcileReport> OwnerReconciler::reconcile(std::string environment_id) {
  auto engine = environments_.engine_up(environment_id);
  const auto filters = bj::serialize(bj::object{{"label", bj::array{std::string(kTeamLabel)}}});
  auto list = co_await call_json(*engine, docker::Verb::get,
                                 "/containers/json?all=1&filters=" + encode(filters), "container");
  auto labelled = team_labelled(list);
  ReconcileReport report;
  auto settle = [&] {
    const auto owned = owners_.owners(environment_id, ResourceKind::container);
    for (const auto& container : labelled) {
      if (owned.contains(container.id)) continue;
      if (teams_.exists(container.team)) {
        owners_.put(OwnerRecord{environment_id, ResourceKind::container, container.id,
                                container.team, clock_.stamp()});
        report.adopted.push_back(container.id);
      } else {
        report.orphans.push_back(container.id);
      }
    }
  };
  co_await pool_.run(settle);
  for (const auto& id : report.adopted) {
    logger_.info("container adopted by its team",
                 {{"environment", environment_id}, {"container", id}});
  }
  for (const auto& id : report.orphans) {
    logger_.warn("container without an owner; assign or remove it",
                 {{"environment", environment_id}, {"container", id}});
    AuditRecord record;
    record.action = "containers.orphan";
    record.result = "failure";
    record.actor_type = "system";
    record.target = "/api/v1/environments/" + environment_id + "/containers/" + id;
    record.detail_json =
        bj::serialize(bj::object{{"environment", environment_id}, {"container", id}});
    co_await audit_.record(std::move(record));
  }
  co_return report;
}

}  // namespace dokkerr::containers
