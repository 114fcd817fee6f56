#include "containers/volume_service.hpp"

#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/tenancy_service.hpp"
#include "core/permissions.hpp"
#include "policy/policy.hpp"

#include <boost/json/parse.hpp>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;

std::string volume_path(const std::string& name) {
  return object_path("volumes", name, "volume");
}

}  // namespace

asio::awaitable<VolumeList> VolumeService::list(const Principal& caller, std::string env,
                                                std::optional<boost::json::object> filters) {
  auto engine = environments_.engine_up(env);
  auto target = with_filters("/volumes", filters);
  auto answer = co_await call_json(*engine, docker::Verb::get, std::move(target), "volume");
  VolumeList list;
  if (auto* object = answer.if_object()) {
    if (auto* volumes = object->if_contains("Volumes"))
      list.volumes = array_of(std::move(*volumes));
    if (auto* warnings = object->if_contains("Warnings")) list.warnings = std::move(*warnings);
  }
  auto teams = tenancy_.visible_teams(caller, env, perm::volumes_read);
  list.volumes = co_await tenancy_.filter(env, ResourceKind::volume, std::move(list.volumes),
                                          std::move(teams));
  co_return list;
}

asio::awaitable<boost::json::value> VolumeService::inspect(const Principal& caller, std::string env,
                                                           std::string name) {
  const auto volume =
      co_await tenancy_.resolve(caller, env, ResourceKind::volume, name, perm::volumes_read);
  auto engine = environments_.engine_up(env);
  auto target = volume_path(volume.id);
  co_return co_await call_json(*engine, docker::Verb::get, std::move(target), "volume");
}

namespace {

// The create body the policy rebuilt for the creation's team.
std::string checked_create(const Principal& caller, const Creation& creation, std::string body) {
  if (body.empty()) body = "{}";  // every field has the engine's default
  return policy::check_volume_create(body, creation.policy, caller.is_admin, creation.team);
}

}  // namespace

asio::awaitable<void> VolumeService::check_create(const Principal& caller, std::string env,
                                                  VolumeCreate request) {
  const auto creation = co_await tenancy_.creation(caller, env, request.team, perm::volumes_create);
  (void)checked_create(caller, creation, std::move(request.body));
}

asio::awaitable<boost::json::value> VolumeService::create(const Principal& caller, std::string env,
                                                          VolumeCreate request) {
  const auto creation = co_await tenancy_.creation(caller, env, request.team, perm::volumes_create);
  auto body = checked_create(caller, creation, request.body);
  auto engine = environments_.engine_up(env);
  auto created =
      co_await call_json(*engine, docker::Verb::post, "/volumes/create", "volume", std::move(body));
  if (!creation.team.empty()) {
    const auto name = std::string(created.as_object().at("Name").as_string());
    co_await tenancy_.record_owner(env, ResourceKind::volume, name, creation.team);
  }
  co_return created;
}

asio::awaitable<void> VolumeService::remove(const Principal& caller, std::string env,
                                            std::string name, bool force) {
  const auto volume =
      co_await tenancy_.resolve(caller, env, ResourceKind::volume, name, perm::volumes_delete);
  auto engine = environments_.engine_up(env);
  auto target = volume_path(volume.id) + "?force=" + (force ? "1" : "0");
  co_await call(*engine, docker::Verb::delete_, std::move(target), "volume");
  co_await tenancy_.forget(env, ResourceKind::volume, volume.id);
}

asio::awaitable<boost::json::value> VolumeService::prune(
    std::string env, std::optional<boost::json::object> filters) {
  auto engine = environments_.engine_up(env);
  co_return co_await containers::prune(*engine, "volumes", std::move(filters), "volume");
}

}  // namespace dokkerr::containers
