#include "containers/engine_call.hpp"
#include "containers/engine_fields.hpp"
#include "containers/environment_service.hpp"
#include "containers/swarm_service.hpp"
#include "containers/swarm_spec.hpp"
#include "containers/swarm_support.hpp"
#include "containers/tenancy_service.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;
using fields::int_at;
using fields::object_at;
using fields::string_at;
using namespace swarm;

// The engine keeps secrets and configs in its raft log, which it bounds at 500 KiB an object.
constexpr std::size_t kMaxObjectBytes = 500 * 1024;

bj::object object_summary(const bj::object& object) {
  const auto& spec = object_at(object, "Spec");
  bj::object labels;
  for (const auto& member : object_at(spec, "Labels")) {
    if (!member.key().starts_with(policy::kReservedLabelPrefix))
      labels[member.key()] = member.value();
  }
  // Never the Data: a config's comes back from the engine, and neither is ever echoed.
  return {{"id", string_at(object, "ID")},
          {"name", string_at(spec, "Name")},
          {"team", team_or_null(label_team(object_at(spec, "Labels")))},
          {"created", string_at(object, "CreatedAt")},
          {"updated", string_at(object, "UpdatedAt")},
          {"labels", std::move(labels)}};
}

}  // namespace

asio::awaitable<bj::array> SwarmService::list_objects(const Principal& caller, std::string env,
                                                      SwarmObjectKind kind) {
  auto engine = environments_.engine_up(env);
  auto listed = co_await call_json(*engine, docker::Verb::get, "/" + collection(kind), noun(kind));
  const auto teams = tenancy_.visible_teams(caller, env, perm::containers_read);
  bj::array out;
  for (const auto& item : array_of(std::move(listed))) {
    if (!item.is_object()) continue;
    const auto team = label_team(object_at(object_at(item.as_object(), "Spec"), "Labels"));
    if (teams && (team.empty() || !teams->contains(team))) continue;
    out.push_back(object_summary(item.as_object()));
  }
  std::sort(out.begin(), out.end(), [](const bj::value& a, const bj::value& b) {
    return a.as_object().at("name").as_string() < b.as_object().at("name").as_string();
  });
  co_return out;
}

asio::awaitable<bj::object> SwarmService::create_object(const Principal& caller, std::string env,
                                                        SwarmObjectKind kind,
                                                        std::optional<std::string> team,
                                                        std::string body) {
  const auto given = json::parse_object(body);
  json::only_fields(given, {"name", "data", "labels"});
  const auto name = json::required_string(given, "name");
  check_swarm_object_name(name, "name");
  const auto data = json::required_string(given, "data");
  if (data.empty() || data.size() > kMaxObjectBytes) {
    throw Error::invalid("invalid_body", "Field 'data' must be 1 byte to 500 KiB.");
  }
  bj::object labels;
  if (const auto* given_labels = json::optional_object(given, "labels")) {
    if (given_labels->size() > 100)
      throw Error::invalid("invalid_body", "Field 'labels' has more than 100 entries.");
    for (const auto& member : *given_labels) {
      std::string key(member.key());
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (key.starts_with(policy::kReservedLabelPrefix)) {
        throw Error::invalid("reserved_label", "Labels under io.dokkerr. are Dokkerr's own.");
      }
      if (!member.value().is_string()) {
        throw Error::invalid("invalid_body",
                             "Field 'labels." + std::string(member.key()) + "' must be a string.");
      }
      labels[member.key()] = member.value();
    }
  }
  const auto owner = tenancy_.creation_team(caller, env, team, perm::containers_create);
  if (!owner.empty()) labels[policy::kTeamLabel] = owner;
  auto engine = environments_.engine_up(env);
  const bj::object spec{{"Name", name}, {"Labels", std::move(labels)}, {"Data", base64(data)}};
  auto created = co_await call_json(*engine, docker::Verb::post, "/" + collection(kind) + "/create",
                                    noun(kind), bj::serialize(spec));
  const auto id = created.is_object() ? string_at(created.as_object(), "ID") : std::string();
  auto found = co_await call_json(*engine, docker::Verb::get,
                                  object_path(collection(kind), id, noun(kind)), noun(kind));
  co_return object_summary(found.as_object());
}

asio::awaitable<void> SwarmService::remove_object(const Principal& caller, std::string env,
                                                  SwarmObjectKind kind, std::string ref) {
  auto engine = environments_.engine_up(env);
  const auto path = object_path(collection(kind), ref, noun(kind));
  auto found = co_await call_json(*engine, docker::Verb::get, path, noun(kind));
  const auto& object = found.as_object();
  owner_for(caller, env, object_at(object_at(object, "Spec"), "Labels"), perm::containers_delete,
            noun(kind));
  const auto id_path = object_path(collection(kind), string_at(object, "ID"), noun(kind));
  std::optional<Error> refused;
  try {
    co_await call(*engine, docker::Verb::delete_, id_path, noun(kind));
  } catch (const Error& error) {
    refused = error;
  }
  if (refused) {
    // The engine answers "in use by the following service" as a bad request.
    if (refused->kind() == ErrorKind::invalid &&
        refused->internal().find("in use") != std::string::npos) {
      throw Error::conflict(noun(kind) + "_in_use", "A service uses the " + noun(kind) +
                                                        "; remove it from the service first.");
    }
    throw *refused;
  }
}

}  // namespace dokkerr::containers
