#include "containers/image_service.hpp"
#include "http/responses.hpp"
#include "containers/routes.hpp"
#include "core/permissions.hpp"
#include "core/error.hpp"
#include "core/json.hpp"

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using http::RequestContext;
using http::Reply;
using http::Verb;

std::string path(std::string_view suffix) {
  return "/api/v1/environments/{env}/images" + std::string(suffix);
}

}  // namespace

void add_image_routes(http::Router& router, ImageService& service, std::size_t max_upload_bytes) {
  // GET
  router.add(Verb::get, path(""), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(co_await service.list(c.param("env"), c.query.flag("all"), c.query.flag("dangling"),
                                            c.query.get("reference")));
  }, on_environment(perm::images_read));
  router.add(Verb::get, path("/{ref}"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(co_await service.inspect(c.param("env"), c.param("ref")));
  }, on_environment(perm::images_read));
  router.add(Verb::get, path("/{ref}/history"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(co_await service.history(c.param("env"), c.param("ref")));
  }, on_environment(perm::images_read));
  router.add(Verb::get, path("/{ref}/export"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return co_await service.export_image(c.param("env"), c.param("ref"));
  }, on_environment(perm::images_read));

  // POST
  router.add(Verb::post, path("/pull"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return co_await service.pull(c.param("env"), parse_pull_request(json::parse_object(c.request.body())));
  }, on_environment(perm::images_pull).audited("images.pull.create"));
  router.add(Verb::post, path("/{ref}/tag"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    auto repo = c.query.get("repo");
    if (!repo) throw Error::invalid("invalid_parameter", "Query parameter 'repo' is required.");
    co_await service.tag(c.param("env"), c.param("ref"), *repo, c.query.get("tag").value_or(""));
    co_return http::created("{}");
  }, on_environment(perm::images_manage).audited("images.tag"));
  router.add(Verb::post, path("/prune"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(co_await service.prune(c.param("env"), c.query.get("filters")));
  }, on_environment(perm::system_prune).audited("images.prune.create"));
  router.add(Verb::post, path("/load"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(co_await service.load(c.param("env"), std::move(c.request.body())));
  }, on_environment(perm::images_manage).audited("images.load.create").body_limit(max_upload_bytes));
  router.add(Verb::post, path("/import"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::created(co_await service.import_rootfs(c.param("env"), std::move(c.request.body()),
                                                          c.query.get("repo").value_or(""),
                                                          c.query.get("tag").value_or("")));
  }, on_environment(perm::images_manage).audited("images.import.create").body_limit(max_upload_bytes));

  // DELETE
  router.add(Verb::delete_, path("/{ref}"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return http::ok(co_await service.remove(c.param("env"), c.param("ref"), c.query.flag("force"),
                                              c.query.flag("noprune")));
  }, on_environment(perm::images_manage).audited("images.delete"));
}

}  // namespace dokkerr::containers
