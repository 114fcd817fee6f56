#include "containers/filters_json.hpp"
#include "containers/image_json.hpp"
#include "containers/image_service.hpp"
#include "containers/relay.hpp"
#include "containers/routes.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
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
  return "/api/v1/environments/{env}/images" + std::string(suffix);
}

asio::awaitable<Reply> list_images(ImageService& service, RequestContext& c) {
  auto options = image_list_options_from(c.query);
  auto images = co_await service.list(c.param("env"), std::move(options));
  co_return http::ok(http::list_body(std::move(images)));
}

asio::awaitable<Reply> inspect_image(ImageService& service, RequestContext& c) {
  const auto image = co_await service.inspect(c.param("env"), c.param("ref"));
  co_return http::ok(boost::json::serialize(image));
}

asio::awaitable<Reply> image_history(ImageService& service, RequestContext& c) {
  auto layers = co_await service.history(c.param("env"), c.param("ref"));
  co_return http::ok(http::list_body(std::move(layers)));
}

asio::awaitable<Reply> export_image(ImageService& service, RequestContext& c) {
  auto archive = co_await service.export_image(c.param("env"), c.param("ref"));
  co_return download_reply(std::move(archive), "image.tar");
}

asio::awaitable<Reply> pull_image(ImageService& service, RequestContext& c) {
  auto request = pull_request_from(json::parse_object(c.request.body()));
  auto progress = co_await service.pull(c.caller(), c.param("env"), std::move(request));
  co_return pull_progress_reply(std::move(progress));
}

// {image: "registry:5000/app:1", team?}: the team whose stored login is presented.
asio::awaitable<Reply> push_image(ImageService& service, RequestContext& c) {
  const auto body = json::parse_object(c.request.body());
  json::only_fields(body, {"image", "team"});
  auto image = json::required_string(body, "image");
  auto progress = co_await service.push(c.caller(), c.param("env"), std::move(image),
                                        json::optional_string(body, "team").value_or(""));
  co_return pull_progress_reply(std::move(progress));
}

asio::awaitable<Reply> tag_image(ImageService& service, RequestContext& c) {
  auto repo = c.query.get("repo");
  if (!repo) throw Error::invalid("invalid_parameter", "Query parameter 'repo' is required.");
  auto tag = c.query.get("tag").value_or("");
  co_await service.tag(c.param("env"), c.param("ref"), std::move(*repo), std::move(tag));
  co_return http::created("{}");
}

asio::awaitable<Reply> prune_images(ImageService& service, RequestContext& c) {
  auto filters = engine_filters_from(c.query);
  const auto report = co_await service.prune(c.param("env"), std::move(filters));
  co_return http::ok(boost::json::serialize(report));
}

// The route's body, read as the service asks for it (the routes stream their bodies).
UploadSource body_of(RequestContext& c) {
  return [body = c.body]() { return body->read(); };
}

asio::awaitable<Reply> load_images(ImageService& service, RequestContext& c) {
  auto messages = co_await service.load(c.param("env"), body_of(c));
  co_return http::ok(http::list_body(std::move(messages)));
}

asio::awaitable<Reply> import_image(ImageService& service, RequestContext& c) {
  auto repo = c.query.get("repo").value_or("");
  auto tag = c.query.get("tag").value_or("");
  auto messages =
      co_await service.import_rootfs(c.param("env"), body_of(c), std::move(repo), std::move(tag));
  co_return http::created(http::list_body(std::move(messages)));
}

asio::awaitable<Reply> delete_image(ImageService& service, RequestContext& c) {
  auto options = image_remove_options_from(c.query);
  auto removed = co_await service.remove(c.param("env"), c.param("ref"), options);
  co_return http::ok(http::list_body(std::move(removed)));
}

}  // namespace

void add_image_routes(http::Router& router, ImageService& service, std::size_t max_upload_bytes) {
  const auto manage = on_environment(perm::images_manage);
  // clang-format off
  // GET
  router.add(Verb::get, path(""), with(service, list_images), on_environment(perm::images_read));
  router.add(Verb::get, path("/{ref}"), with(service, inspect_image), on_environment(perm::images_read));
  router.add(Verb::get, path("/{ref}/history"), with(service, image_history), on_environment(perm::images_read));
  router.add(Verb::get, path("/{ref}/export"), with(service, export_image), on_environment(perm::images_read));

  // POST
  router.add(Verb::post, path("/pull"), with(service, pull_image), on_environment(perm::images_pull).audited("images.pull.create").takes_idempotency_key().limited_as(http::RateClass::stream).holds_slot(http::SlotClass::pull));
  router.add(Verb::post, path("/push"), with(service, push_image), on_environment(perm::images_pull).audited("images.push.create").limited_as(http::RateClass::stream).holds_slot(http::SlotClass::pull));
  router.add(Verb::post, path("/{ref}/tag"), with(service, tag_image), manage.audited("images.tag"));
  router.add(Verb::post, path("/prune"), with(service, prune_images), on_environment(perm::system_prune).audited("images.prune.create"));
  router.add(Verb::post, path("/load"), with(service, load_images), manage.audited("images.load.create").body_limit(max_upload_bytes).holds_slot(http::SlotClass::upload).streams_body());
  router.add(Verb::post, path("/import"), with(service, import_image), manage.audited("images.import.create").body_limit(max_upload_bytes).holds_slot(http::SlotClass::upload).streams_body());

  // DELETE
  router.add(Verb::delete_, path("/{ref}"), with(service, delete_image), manage.audited("images.delete"));
  // clang-format on
}

}  // namespace dokkerr::containers
