#include "containers/network_service.hpp"

#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/image_service.hpp"
#include "containers/relay.hpp"
#include "core/error.hpp"
#include "core/json.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;

std::string with_filters(std::string target, const std::optional<std::string>& filters) {
  if (filters) {
    check_engine_filters(*filters);
    target += (target.find('?') == std::string::npos ? "?filters=" : "&filters=") + encode(*filters);
  }
  return target;
}

}  // namespace

asio::awaitable<std::string> NetworkService::list(std::string env, std::optional<std::string> filters) {
  auto engine = environments_.engine_up(env);
  co_return items_document(
      co_await call_json(*engine, docker::Verb::get, with_filters("/networks", filters), "network"));
}

asio::awaitable<std::string> NetworkService::inspect(std::string env, std::string id) {
  auto engine = environments_.engine_up(env);
  co_return co_await call(*engine, docker::Verb::get, object_path("networks", id, "network"), "network");
}

asio::awaitable<std::string> NetworkService::create(std::string env, boost::json::object body) {
  const auto name = json::required_string(body, "Name");
  if (name.empty() || name.size() > 128) {
    throw Error::invalid("invalid_body", "Field 'Name' must be 1 to 128 characters.");
  }
  auto engine = environments_.engine_up(env);
  // Two networks may share a name on the engine; a platform user expects names to be unique.
  if (!body.contains("CheckDuplicate")) body["CheckDuplicate"] = true;
  co_return co_await call(*engine, docker::Verb::post, "/networks/create", "network",
                          boost::json::serialize(body));
}

asio::awaitable<void> NetworkService::remove(std::string env, std::string id) {
  auto engine = environments_.engine_up(env);
  co_await call(*engine, docker::Verb::delete_, object_path("networks", id, "network"), "network");
}

asio::awaitable<void> NetworkService::connect(std::string env, std::string id, boost::json::object body,
                                              bool disconnect) {
  json::required_string(body, "Container");
  auto engine = environments_.engine_up(env);
  co_await call(*engine, docker::Verb::post,
                object_path("networks", id, "network") + (disconnect ? "/disconnect" : "/connect"), "network",
                boost::json::serialize(body));
  const auto container = json::required_string(body, "Container");
  co_await engine->refresh_container(engine->resolve(container));
}

asio::awaitable<std::string> NetworkService::prune(std::string env, std::optional<std::string> filters) {
  auto engine = environments_.engine_up(env);
  co_return co_await call(*engine, docker::Verb::post, with_filters("/networks/prune", filters), "network");
}

asio::awaitable<std::string> VolumeService::list(std::string env, std::optional<std::string> filters) {
  auto engine = environments_.engine_up(env);
  auto value = co_await call_json(*engine, docker::Verb::get, with_filters("/volumes", filters), "volume");
  boost::json::value items = boost::json::array{};
  boost::json::value warnings = nullptr;
  if (value.is_object()) {
    if (auto* volumes = value.as_object().if_contains("Volumes"); volumes && volumes->is_array()) {
      items = std::move(*volumes);
    }
    if (auto* found = value.as_object().if_contains("Warnings")) warnings = std::move(*found);
  }
  boost::json::object document{
      {"items", std::move(items)}, {"next_cursor", nullptr}, {"Warnings", std::move(warnings)}};
  co_return boost::json::serialize(document);
}

asio::awaitable<std::string> VolumeService::inspect(std::string env, std::string name) {
  auto engine = environments_.engine_up(env);
  co_return co_await call(*engine, docker::Verb::get, object_path("volumes", name, "volume"), "volume");
}

asio::awaitable<std::string> VolumeService::create(std::string env, boost::json::object body) {
  auto engine = environments_.engine_up(env);
  co_return co_await call(*engine, docker::Verb::post, "/volumes/create", "volume",
                          boost::json::serialize(body));
}

asio::awaitable<void> VolumeService::remove(std::string env, std::string name, bool force) {
  auto engine = environments_.engine_up(env);
  co_await call(*engine, docker::Verb::delete_,
                object_path("volumes", name, "volume") + "?force=" + (force ? "1" : "0"), "volume");
}

asio::awaitable<std::string> VolumeService::prune(std::string env, std::optional<std::string> filters) {
  auto engine = environments_.engine_up(env);
  co_return co_await call(*engine, docker::Verb::post, with_filters("/volumes/prune", filters), "volume");
}

asio::awaitable<std::string> SystemService::info(std::string env) {
  auto engine = environments_.engine_up(env);
  co_return co_await call(*engine, docker::Verb::get, "/info", "system");
}

asio::awaitable<std::string> SystemService::version(std::string env) {
  auto engine = environments_.engine_up(env);
  co_return co_await call(*engine, docker::Verb::get, "/version", "system");
}

asio::awaitable<std::string> SystemService::disk_usage(std::string env) {
  auto engine = environments_.engine_up(env);
  co_return co_await call(*engine, docker::Verb::get, "/system/df", "system");
}

asio::awaitable<http::WebSocketReply> SystemService::events_socket(
    std::string env, std::optional<std::string> filters, std::vector<std::string> types,
    std::vector<std::string> events, std::optional<std::string> since) {
  boost::json::object merged;
  if (filters) {
    check_engine_filters(*filters);
    merged = json::parse(*filters).as_object();
  }
  auto add = [&merged](const char* key, const std::vector<std::string>& values) {
    if (values.empty()) return;
    auto& list = merged[key];
    if (!list.is_array()) list = boost::json::array{};
    for (const auto& value : values) list.as_array().emplace_back(value);
  };
  add("type", types);
  add("event", events);
  std::string target = "/events";
  std::string separator = "?";
  if (!merged.empty()) {
    target += separator + "filters=" + encode(boost::json::serialize(merged));
    separator = "&";
  }
  if (since) target += separator + "since=" + encode(*since);
  auto engine = environments_.engine_up(env);
  std::shared_ptr<docker::EngineStream> stream =
      co_await open_stream(*engine, docker::Verb::get, std::move(target), "system");
  co_return http::WebSocketReply{[stream](http::WebSocketChannel& socket) -> asio::awaitable<void> {
    co_await relay_to_socket(stream, socket, ndjson_lines(false));
  }};
}

}  // namespace dokkerr::containers
