// libFuzzer target for the request head: Beast's parser with the server's limits, then the
// pipeline's stages before the body (request id, route match and parameter decoding, body limit,
// query decoding, authentication, authorization) and dispatch, over a route table shaped like
// Dokkerr's. This is everything a client can make the server do before it has sent a body.
//
// Properties checked: no crash; a head the parser took either passes the stages or fails with a
// problem the API documents; matched path parameters are decoded, non-empty and free of NUL;
// a refused head never reaches a handler.
#include "core/error.hpp"
#include "core/principal.hpp"
#include "http/pipeline.hpp"
#include "http/responses.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>

namespace {

namespace asio = boost::asio;
namespace http = dokkerr::http;
using dokkerr::Error;

constexpr std::size_t kMaxHeaderBytes = 16U * 1024U;

void check(bool ok) {
  if (!ok) std::abort();
}

// Signs in whoever sends "Bearer ok"; everyone else is refused.
class TokenAuthenticator final : public http::Authenticator {
 public:
  asio::awaitable<std::shared_ptr<const dokkerr::Principal>> authenticate(
      const http::Credentials& credentials) override {
    if (credentials.authorization != "Bearer ok" && credentials.ticket != std::optional<std::string>("dkw_ok")) {
      throw Error(dokkerr::ErrorKind::unauthorized, "authentication_required", "Sign in.");
    }
    auto caller = std::make_shared<dokkerr::Principal>();
    caller->user_id = "u1";
    caller->team_permissions["t1"] = {"containers:read", "containers:operate"};
    caller->environment_teams["local"] = {"t1"};
    co_return caller;
  }
};

struct Fixture {
  http::Router router;
  TokenAuthenticator authenticator;
  std::unique_ptr<http::Pipeline> pipeline;
  int handled = 0;

  Fixture() {
    auto handler = [this](http::RequestContext& c) -> asio::awaitable<http::Reply> {
      ++handled;
      for (const auto& [name, value] : c.path_params) {
        check(!value.empty() && value.find('\0') == std::string::npos);
      }
      co_return http::no_content();
    };
    router.add(http::Verb::get, "/healthz", handler, http::needs(http::access::kPublic));
    router.add(http::Verb::get, "/api/v1/me", handler, http::needs(http::access::kAuthenticated));
    router.add(http::Verb::get, "/api/v1/environments/{env}/containers", handler,
               http::needs("containers:read").in_environment("env"));
    router.add(http::Verb::post, "/api/v1/environments/{env}/containers/{id}/start", handler,
               http::needs("containers:operate").in_environment("env").audited("containers.start"));
    router.add(http::Verb::get, "/api/v1/environments/{env}/images/{ref}", handler,
               http::needs("images:read").in_environment("env"));
    router.add(http::Verb::post, "/api/v1/environments/{env}/images/load", handler,
               http::needs("images:manage").in_environment("env").audited("images.load").body_limit(64));
    pipeline = std::make_unique<http::Pipeline>(router, 1024, &authenticator, nullptr);
  }
};

Fixture& fixture() {
  static Fixture instance;  // the route table is built once for the whole run
  return instance;
}

const std::set<std::string>& known_codes() {
  static const std::set<std::string> codes{
      "invalid_parameter", "payload_too_large",     "authentication_required",
      "permission_denied", "environment_not_found", "route_not_found",
      "method_not_allowed"};
  return codes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& f = fixture();
  boost::beast::http::request_parser<boost::beast::http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
  parser.body_limit(boost::none);
  parser.eager(false);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!ec && used < size && !parser.is_header_done()) {
    const auto n = parser.put(asio::buffer(data + used, size - used), ec);
    if (n == 0) break;
    used += n;
  }
  if (ec || !parser.is_header_done()) return 0;  // the transport answers these itself
  if (http::header_bytes(parser.get()) > kMaxHeaderBytes) return 0;

  http::Exchange exchange(parser.get(), "127.0.0.1");
  if (const auto length = parser.content_length()) exchange.content_length = *length;
  const int handled_before = f.handled;
  asio::io_context io;
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<bool> {
        const bool admitted = co_await f.pipeline->before_body(exchange);
        if (!admitted) co_return false;
        const auto reply = co_await f.pipeline->dispatch(exchange);
        co_return reply.has_value();
      },
      asio::use_future);
  io.run();
  const bool answered = done.get();
  if (!answered) {
    check(exchange.failure.has_value());
    check(known_codes().contains(exchange.failure->code()));
    check(f.handled == handled_before);
  } else {
    check(!exchange.failure);
    check(f.handled == handled_before + 1);
  }
  return 0;
}
