#include "containers/filters_json.hpp"
#include "containers/routes.hpp"
#include "containers/volume_json.hpp"
#include "containers/volume_service.hpp"
#include "core/permissions.hpp"
#include "http/responses.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using http::Reply;
using http::RequestContext;
using http::Verb;

std::string path(std::string_view suffix) {
  return "/api/v1/environments/{env}/volumes" + std::string(suffix);
}

asio::awaitable<Reply> list_volumes(VolumeService& service, RequestContext& c) {
  auto filters = engine_filters_from(c.query);
  auto volumes = co_await service.list(c.caller(), c.param("env"), std::move(filters));
  co_return http::ok(boost::json::serialize(to_json(std::move(volumes))));
}

asio::awaitable<Reply> inspect_volume(VolumeService& service, RequestContext& c) {
  const auto volume = co_await service.inspect(c.caller(), c.param("env"), c.param("name"));
  co_return http::ok(boost::json::serialize(volume));
}

asio::awaitable<Reply> create_volume(VolumeService& service, RequestContext& c) {
  VolumeCreate request{c.query.get("team"), c.request.body()};
  const auto created = co_await service.create(c.caller(), c.param("env"), std::move(request));
  co_return http::created(boost::json::serialize(created));
}

asio::awaitable<Reply> prune_volumes(VolumeService& service, RequestContext& c) {
  auto filters = engine_filters_from(c.query);
  const auto report = co_await service.prune(c.param("env"), std::move(filters));
  co_return http::ok(boost::json::serialize(report));
}

asio::awaitable<Reply> delete_volume(VolumeService& service, RequestContext& c) {
  const bool force = c.query.flag("force");
  co_await service.remove(c.caller(), c.param("env"), c.param("name"), force);
  co_return http::no_content();
}

}  // namespace

void add_volume_routes(http::Router& router, VolumeService& service, TenancyService& tenancy) {
  // clang-format off
  // GET
  router.add(Verb::get, path(""), with(service, list_volumes), on_environment(perm::volumes_read));
  router.add(Verb::get, path("/{name}"), with(service, inspect_volume), on_environment(perm::volumes_read));

  // POST
  router.add(Verb::post, path(""), with(service, create_volume), on_environment(perm::volumes_create).audited("volumes.create").takes_idempotency_key());
  router.add(Verb::post, path("/prune"), with(service, prune_volumes), on_environment(perm::system_prune).audited("volumes.prune.create"));

  // PUT
  router.add(Verb::put, path("/{name}/owner"), assign_owner(tenancy, ResourceKind::volume, "name"), on_environment(perm::resources_assign).audited("volumes.owner.put"));

  // DELETE
  router.add(Verb::delete_, path("/{name}"), with(service, delete_volume), on_environment(perm::volumes_delete).audited("volumes.delete"));
  // clang-format on
}

}  // namespace dokkerr::containers
