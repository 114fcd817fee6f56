#include "containers/container_service.hpp"
#include "containers/routes.hpp"
#include "core/error.hpp"
#include "core/json.hpp"

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using http::RequestContext;
using http::Reply;
using http::Verb;
constexpr std::string_view kBase = "/api/v1/environments/{env}/containers";

std::string path(std::string_view suffix) { return std::string(kBase) + std::string(suffix); }

ContainerFilter filter_from(const http::QueryParams& query) {
  ContainerFilter filter;
  filter.all = query.flag("all");
  filter.status = query.all("status");
  filter.names = query.all("name");
  filter.labels = query.all("label");
  filter.images = query.all("image");
  filter.ids = query.all("id");
  return filter;
}

LogOptions log_options_from(const http::QueryParams& query) {
  LogOptions options;
  if (auto tail = query.get("tail")) {
    if (*tail != "all") (void)query.integer("tail", 0, 0, 1'000'000);  // validates
    options.tail = *tail;
  }
  options.since = query.get("since");
  options.until = query.get("until");
  options.timestamps = query.flag("timestamps");
  options.stdout_ = query.flag("stdout", true);
  options.stderr_ = query.flag("stderr", true);
  return options;
}

ExecRequest exec_from_query(const http::QueryParams& query) {
  ExecRequest request;
  request.cmd = query.all("cmd");
  if (request.cmd.empty()) request.cmd = {"sh"};
  request.tty = query.flag("tty");
  request.env = query.all("env");
  request.working_dir = query.get("workdir").value_or("");
  request.user = query.get("user").value_or("");
  return request;
}

}  // namespace

void add_container_routes(http::Router& router, ContainerService& service) {
  auto action = [&service](ContainerAction kind) {
    return [&service, kind](RequestContext& c) -> asio::awaitable<Reply> {
      co_await service.act(c.param("env"), c.param("id"), kind, c.query);
      co_return no_content();
    };
  };

  // GET
  router.add(Verb::get, path(""), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    const auto limit = static_cast<std::size_t>(c.query.integer("limit", 1000, 1, 1000));
    co_return ok_json(co_await service.list(c.param("env"), filter_from(c.query), limit,
                                            c.query.get("cursor").value_or("")));
  });
  router.add(Verb::get, path("/{id}"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.inspect(c.param("env"), c.param("id")));
  });
  router.add(Verb::get, path("/{id}/logs"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    auto options = log_options_from(c.query);
    if (c.is_websocket_upgrade()) {
      co_return co_await service.logs_socket(c.param("env"), c.param("id"), std::move(options));
    }
    if (c.query.flag("follow")) {
      co_return co_await service.follow_logs(c.param("env"), c.param("id"), std::move(options));
    }
    co_return ok_json(co_await service.logs(c.param("env"), c.param("id"), std::move(options)));
  });
  router.add(Verb::get, path("/{id}/stats"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    if (c.is_websocket_upgrade()) {
      co_return co_await service.stats_socket(c.param("env"), c.param("id"));
    }
    co_return ok_json(co_await service.stats(c.param("env"), c.param("id")));
  });
  router.add(Verb::get, path("/{id}/top"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.top(c.param("env"), c.param("id"), c.query.get("ps_args").value_or("")));
  });
  router.add(Verb::get, path("/{id}/exec"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    std::optional<std::pair<int, int>> size;
    if (c.query.has("cols") || c.query.has("rows")) {
      size = std::pair{static_cast<int>(c.query.integer("cols", 80, 1, 1000)),
                       static_cast<int>(c.query.integer("rows", 24, 1, 1000))};
    }
    if (!c.is_websocket_upgrade()) {
      throw Error(ErrorKind::upgrade_required, "websocket_required",
                  "Interactive exec speaks WebSocket; use POST for a captured run.");
    }
    co_return co_await service.exec_socket(c.param("env"), c.param("id"), exec_from_query(c.query), size);
  });

  // POST
  router.add(Verb::post, path(""), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return created_json(co_await service.create(c.param("env"), c.query.get("name"),
                                                   json::parse_object(c.request.body())));
  });
  router.add(Verb::post, path("/{id}/start"), action(ContainerAction::start));
  router.add(Verb::post, path("/{id}/stop"), action(ContainerAction::stop));
  router.add(Verb::post, path("/{id}/restart"), action(ContainerAction::restart));
  router.add(Verb::post, path("/{id}/kill"), action(ContainerAction::kill));
  router.add(Verb::post, path("/{id}/pause"), action(ContainerAction::pause));
  router.add(Verb::post, path("/{id}/unpause"), action(ContainerAction::unpause));
  router.add(Verb::post, path("/{id}/rename"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    auto name = c.query.get("name");
    if (!name) throw Error::invalid("invalid_parameter", "Query parameter 'name' is required.");
    co_await service.rename(c.param("env"), c.param("id"), std::move(*name));
    co_return no_content();
  });
  router.add(Verb::post, path("/{id}/update"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.update(c.param("env"), c.param("id"),
                                              json::parse_object(c.request.body())));
  });
  router.add(Verb::post, path("/{id}/wait"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_return ok_json(co_await service.wait(c.param("env"), c.param("id"),
                                            c.query.get("condition").value_or("not-running")));
  });
  router.add(Verb::post, path("/{id}/exec"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    const auto timeout = std::chrono::seconds(c.query.integer("timeout", 60, 1, 3600));
    co_return ok_json(co_await service.exec(c.param("env"), c.param("id"),
                                            parse_exec_request(json::parse_object(c.request.body())),
                                            timeout));
  });

  // DELETE
  router.add(Verb::delete_, path("/{id}"), [&service](RequestContext& c) -> asio::awaitable<Reply> {
    co_await service.remove(c.param("env"), c.param("id"), c.query.flag("force"),
                            c.query.flag("volumes") || c.query.flag("v"));
    co_return no_content();
  });
}

}  // namespace dokkerr::containers
