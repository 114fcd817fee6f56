#include "web/web_routes.hpp"

#include "core/error.hpp"
#include "http/router.hpp"
#include "http/transform.hpp"
#include "web/web_assets.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/field.hpp>

#include <string>

namespace dokkerr::web {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using http::Reply;
using http::RequestContext;
using http::Verb;

// Hashed names change with their content: cache them for a year. Anything else (index.html
// above all) is revalidated on every load, so a new build is seen at once.
constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr const char* kRevalidate = "no-cache";

http::Response serve(const WebAsset& asset, const http::Request& request) {
  http::Response response{http::Status::ok, request.version()};
  response.set(bhttp::field::cache_control, asset.immutable ? kImmutable : kRevalidate);
  response.set(bhttp::field::etag, asset.etag);
  if (asset.content_type.starts_with("text/html")) {
    response.set("Content-Security-Policy", kPageContentSecurityPolicy);
  }
  if (!asset.gzipped.empty()) response.set(bhttp::field::vary, "Accept-Encoding");
  if (const auto tags = request[bhttp::field::if_none_match];
      !tags.empty() && http::none_match_hits(tags, asset.etag)) {
    response.result(http::Status::not_modified);
    return response;
  }
  response.set(bhttp::field::content_type, asset.content_type);
  if (!asset.gzipped.empty() && http::accepts_gzip(request[bhttp::field::accept_encoding])) {
    response.set(bhttp::field::content_encoding, "gzip");
    response.body() = asset.gzipped;
  } else {
    response.body() = asset.body;
  }
  response.prepare_payload();
  return response;
}

http::RouteOptions ui_file() {
  return http::needs(http::access::kPublic).limited_as(http::RateClass::read).serves_ui_file();
}

}  // namespace

void add_web_routes(http::Router& router, const WebAssets& assets) {
  const auto* index = assets.find("index.html");
  if (index == nullptr) throw std::logic_error("web assets without index.html");
  router.add(
      Verb::get, "/",
      [index](RequestContext& context) -> asio::awaitable<Reply> {
        co_return serve(*index, context.request);
      },
      ui_file());
  for (const auto& name : assets.top_level_names()) {
    const auto* asset = assets.find(name);
    router.add(
        Verb::get, "/" + name,
        [asset](RequestContext& context) -> asio::awaitable<Reply> {
          co_return serve(*asset, context.request);
        },
        ui_file());
  }
  router.add(
      Verb::get, "/assets/{file}",
      [&assets](RequestContext& context) -> asio::awaitable<Reply> {
        const auto* asset = assets.find("assets/" + context.param("file"));
        if (asset == nullptr) throw Error::not_found("file_not_found", "No such file.");
        co_return serve(*asset, context.request);
      },
      ui_file());
}

}  // namespace dokkerr::web
