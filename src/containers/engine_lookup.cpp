#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/resource_lookup.hpp"
#include "core/error.hpp"
#include "policy/policy.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;

std::string team_label(const boost::json::value* labels) {
  const auto* object = labels != nullptr ? labels->if_object() : nullptr;
  if (object == nullptr) return {};
  const auto* team = object->if_contains(policy::kTeamLabel);
  return team != nullptr && team->is_string() ? std::string(team->as_string()) : std::string();
}

class EngineLookup final : public ResourceLookup {
 public:
  explicit EngineLookup(EnvironmentService& environments) : environments_(environments) {}

  asio::awaitable<EngineObject> inspect(std::string environment_id, ResourceKind kind,
                                        std::string ref) override {
    auto engine = environments_.engine_up(environment_id);
    const auto what = kind_name(kind);
    // Containers are inspected at /containers/{ref}/json, networks and volumes at their path.
    auto target = kind == ResourceKind::container ? object_path("containers", ref, what) + "/json"
                  : kind == ResourceKind::network ? object_path("networks", ref, what)
                                                  : object_path("volumes", ref, what);
    const auto value = co_await call_json(*engine, docker::Verb::get, std::move(target), what);
    const auto& object = value.as_object();
    EngineObject found;
    found.id = std::string(object.at(kind == ResourceKind::volume ? "Name" : "Id").as_string());
    if (kind == ResourceKind::container) {
      const auto* config = object.if_contains("Config");
      if (config != nullptr && config->is_object()) {
        found.team_label = team_label(config->as_object().if_contains("Labels"));
      }
    } else {
      found.team_label = team_label(object.if_contains("Labels"));
    }
    co_return found;
  }

  asio::awaitable<void> create_volume(std::string environment_id, std::string name,
                                      std::string team_id) override {
    auto engine = environments_.engine_up(environment_id);
    boost::json::object labels;
    labels[policy::kTeamLabel] = team_id;
    boost::json::object request;
    request["Name"] = name;
    request["Labels"] = std::move(labels);
    auto body = boost::json::serialize(request);
    co_await call_json(*engine, docker::Verb::post, "/volumes/create", "volume", std::move(body));
  }

  asio::awaitable<std::string> create_team_network(std::string environment_id, std::string name,
                                                   std::string team_id) override {
    auto engine = environments_.engine_up(environment_id);
    boost::json::object labels;
    labels[policy::kTeamLabel] = team_id;
    labels[policy::kTeamNetworkLabel] = "true";
    // The address range comes from the engine's default address pools: give the engine pools
    // that no other network of the site uses (--default-address-pool).
    boost::json::object request{{"Name", name},
                                {"Driver", "bridge"},
                                {"CheckDuplicate", true},
                                {"Labels", std::move(labels)}};
    auto body = boost::json::serialize(request);
    const auto created = co_await call_json(*engine, docker::Verb::post, "/networks/create",
                                            "network", std::move(body));
    const auto* id = created.is_object() ? created.as_object().if_contains("Id") : nullptr;
    if (id == nullptr || !id->is_string()) {
      throw Error(ErrorKind::bad_gateway, "engine_error",
                  "The engine did not say what it created.");
    }
    co_return std::string(id->as_string());
  }

  std::optional<std::string> container_team(std::string_view environment_id,
                                            std::string_view ref) const override {
    auto engine = environments_.engine(environment_id);
    if (!engine) return std::nullopt;
    const auto id = engine->model().resolve(ref);
    if (!id) return std::nullopt;
    return engine->model().label(*id, policy::kTeamLabel);
  }

 private:
  EnvironmentService& environments_;
};

}  // namespace

std::unique_ptr<ResourceLookup> make_engine_lookup(EnvironmentService& environments) {
  return std::make_unique<EngineLookup>(environments);
}

}  // namespace dokkerr::containers
