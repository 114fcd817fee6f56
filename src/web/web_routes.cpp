#include "web/web_routes.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"
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

// A page with a nonce slot: a fresh nonce per answer, so a stored copy would carry a stale one.
http::Response serve_with_nonce(const WebAsset& page, const http::Request& request) {
  const auto nonce = crypto::base64url_encode(crypto::random_bytes(18));
  http::Response response{http::Status::ok, request.version()};
  response.set(bhttp::field::cache_control, "no-store");
  response.set("Content-Security-Policy", page_content_security_policy(nonce));
  response.set(bhttp::field::content_type, page.content_type);
  response.body() = with_style_nonce(page, nonce);
  response.prepare_payload();
  return response;
}

http::Response serve(const WebAsset& asset, const http::Request& request) {
  if (asset.nonce_at) return serve_with_nonce(asset, request);
  http::Response response{http::Status::ok, request.version()};
  response.set(bhttp::field::cache_control, asset.immutable ? kImmutable : kRevalidate);
  response.set(bhttp::field::etag, asset.etag);
  if (asset.content_type.starts_with("text/html")) {
    response.set("Content-Security-Policy", page_content_security_policy({}));
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

std::string page_content_security_policy(std::string_view style_nonce) {
  std::string style = "style-src 'self'";
  if (!style_nonce.empty()) style += " 'nonce-" + std::string(style_nonce) + "'";
  return "default-src 'self'; script-src 'self'; " + style +
         "; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
         "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
}

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
