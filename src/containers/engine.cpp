#include "containers/engine.hpp"

#include "containers/engine_call.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/logger.hpp"
#include "docker/streams.hpp"
#include "policy/policy.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <chrono>
#include <set>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

// Container events that cannot change what the list shows; exec_* arrive on every exec.
bool changes_summary(std::string_view action) {
  static constexpr std::string_view ignored[] = {"exec_create", "exec_start", "exec_die",
                                                 "exec_detach", "attach", "detach", "resize",
                                                 "top", "export", "commit", "copy",
                                                 "archive-path", "extract-to-dir"};
  const auto colon = action.find(':');  // "exec_start: sh -c ..." carries the command
  const auto verb = action.substr(0, colon);
  return std::find(std::begin(ignored), std::end(ignored), verb) == std::end(ignored);
}

std::string id_filter(const std::vector<std::string>& ids) {
  const auto filters = boost::json::serialize(boost::json::object{{"id", json::string_array(ids)}});
  return "/containers/json?all=1&filters=" +
         boost::urls::encode(filters, boost::urls::unreserved_chars);
}

std::vector<boost::json::object> parse_summaries(const std::string& body) {
  std::vector<boost::json::object> out;
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec || !value.is_array()) {
    throw Error(ErrorKind::bad_gateway, "engine_error", "The engine sent an unreadable container list.");
  }
  for (auto& item : value.as_array()) {
    if (item.is_object()) out.push_back(std::move(item.as_object()));
  }
  return out;
}

std::string text_of(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

}  // namespace

Engine::Engine(asio::any_io_executor executor, std::string environment_id,
               docker::Endpoint endpoint, Logger& logger)
    : executor_(asio::make_strand(executor)),
      environment_id_(std::move(environment_id)),
      logger_(logger),
      client_(std::make_unique<docker::Client>(executor, std::move(endpoint))),
      model_(environment_id_) {}

Engine::~Engine() = default;

void Engine::start() {
  resync_timer_ = std::make_unique<asio::steady_timer>(executor_);
  asio::co_spawn(executor_, [self = shared_from_this()]() { return self->resync_periodically(); },
                 asio::detached);
  asio::co_spawn(executor_, [self = shared_from_this()]() { return self->watch(); },
                 [self = shared_from_this()](const std::exception_ptr& error) {
                   if (error) {
                     try {
                       std::rethrow_exception(error);
                     } catch (const std::exception& e) {
                       self->logger_.error("engine watcher ended", {{"environment", self->environment_id_},
                                                                     {"error", e.what()}});
                     }
                   }
                 });
}

void Engine::stop() {
  stopping_ = true;
  asio::post(executor_, [self = shared_from_this()] {
    if (self->events_) self->events_->close();
    if (self->backoff_timer_) self->backoff_timer_->cancel();
    if (self->resync_timer_) self->resync_timer_->cancel();
  });
}

void Engine::on_container_event(std::shared_ptr<const ContainerEventListener> listener) {
  const std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

void Engine::announce(ContainerEvent event) {
  std::shared_ptr<const ContainerEventListener> listener;
  {
    const std::lock_guard lock(mutex_);
    listener = listener_;
  }
  if (listener && *listener) (*listener)(std::move(event));
}

EngineState Engine::state() const {
  const std::lock_guard lock(mutex_);
  return state_;
}

void Engine::set_state(EngineStatus status, std::string error, std::optional<EngineInfo> info) {
  const std::lock_guard lock(mutex_);
  state_.status = status;
  state_.error = std::move(error);
  if (info) state_.info = std::move(*info);
}

void Engine::require_up() const {
  const auto current = state();
  if (current.status == EngineStatus::up) {
    return;
  }
  throw Error::unavailable(
      "engine_unavailable",
      "The Docker engine of environment '" + environment_id_ + "' is unreachable" +
          (current.error.empty() ? std::string(current.status == EngineStatus::connecting ? " (connecting)" : "")
                                 : ": " + current.error));
}

std::string Engine::resolve(std::string_view reference) const {
  auto id = model_.resolve(reference);
  return id ? *id : std::string(reference);
}

void Engine::forget_container(const std::string& id) { model_.remove(id, model_.take_ticket()); }

asio::awaitable<void> Engine::refresh(std::vector<std::string> ids, bool barrier) {
  if (ids.empty()) co_return;
  if (barrier) {
    // The engine announces some changes (notably "die") before its list view reflects them; it
    // updates that view while holding the container's lock, and inspect takes the same lock. So
    // an inspect first makes the listing below see the state the event announced.
    for (const auto& id : ids) {
      (void)co_await client_->request(docker::Verb::get, "/containers/" + encode(id) + "/json");
    }
  }
  const auto ticket = model_.take_ticket();
  auto response = co_await client_->request(docker::Verb::get, id_filter(ids));
  logger_.debug("refresh", {{"environment", environment_id_}, {"ids", ids.size()}, {"status", response.status},
                            {"bytes", response.body.size()}});
  if (!response.ok()) {
    co_return;  // the next event or resync will fix the picture
  }
  std::set<std::string> seen;
  for (const auto& summary : parse_summaries(response.body)) {
    seen.insert(text_of(summary, "Id"));
    model_.upsert(summary, ticket);
  }
  for (const auto& id : ids) {
    if (!seen.contains(id)) model_.remove(id, ticket);
  }
}

asio::awaitable<void> Engine::count_images() {
  auto response = co_await client_->request(docker::Verb::get, "/images/json");
  if (!response.ok()) co_return;
  boost::system::error_code ec;
  const auto value = boost::json::parse(response.body, ec);
  if (!ec && value.is_array()) image_count_ = value.as_array().size();
}

asio::awaitable<void> Engine::refresh_container(std::string id) {
  std::vector<std::string> ids;
  ids.push_back(std::move(id));
  co_await refresh(std::move(ids), true);
}

asio::awaitable<void> Engine::sync_once() {
  const auto version_body = co_await client_->negotiate();
  EngineInfo info;
  {
    boost::system::error_code ec;
    auto version = boost::json::parse(version_body, ec);
    if (!ec && version.is_object()) {
      const auto& object = version.as_object();
      info.version = text_of(object, "Version");
      info.api_version = client_->api_version();
      info.os = text_of(object, "Os");
      info.arch = text_of(object, "Arch");
    }
  }
  // Subscribe before listing: whatever happens during the listing arrives as events afterwards.
  const auto filters = boost::json::serialize(
      boost::json::object{{"type", boost::json::array{"container", "image"}}});
  auto events = co_await client_->stream(
      docker::Verb::get,
      "/events?filters=" + boost::urls::encode(filters, boost::urls::unreserved_chars));
  if (events->status() != 200) {
    throw Error(ErrorKind::bad_gateway, "engine_error", "The engine refused its event stream.");
  }
  events_ = std::move(events);
  if (stopping_) {
    co_return;
  }
  const auto ticket = model_.take_ticket();
  auto listing = co_await client_->request(docker::Verb::get, "/containers/json?all=1");
  if (!listing.ok()) {
    throw Error(ErrorKind::bad_gateway, "engine_error", "The engine refused to list containers.");
  }
  model_.replace_all(parse_summaries(listing.body), ticket);
  co_await count_images();
  set_state(EngineStatus::up, {}, info);
  logger_.info("engine up", {{"environment", environment_id_},
                             {"version", info.version},
                             {"containers", model_.size()}});

  docker::LineSplitter lines;
  for (;;) {
    auto chunk = co_await events_->read_some();
    if (!chunk || stopping_) {
      break;
    }
    logger_.debug("engine events", {{"environment", environment_id_}, {"bytes", chunk->size()}});
    std::vector<std::string> dirty;
    bool images_changed = false;
    for (const auto& line : lines.feed(*chunk)) {
      boost::system::error_code ec;
      auto event = boost::json::parse(line, ec);
      if (ec || !event.is_object()) continue;
      const auto& object = event.as_object();
      const auto action = text_of(object, "Action");
      if (text_of(object, "Type") == "image") {
        images_changed = true;
        continue;
      }
      std::string id;
      const boost::json::object* attributes = nullptr;
      if (const auto* actor = object.if_contains("Actor"); actor != nullptr && actor->is_object()) {
        id = text_of(actor->as_object(), "ID");
        if (const auto* found = actor->as_object().if_contains("Attributes");
            found != nullptr && found->is_object()) {
          attributes = &found->as_object();
        }
      }
      if (id.empty()) id = text_of(object, "id");
      if (id.empty()) continue;
      if ((action == "start" || action == "die") && attributes != nullptr) {
        announce(ContainerEvent{environment_id_, id, action, text_of(*attributes, "name"),
                                text_of(*attributes, "image"),
                                text_of(*attributes, std::string(policy::kTeamLabel)),
                                text_of(*attributes, "exitCode")});
      }
      if (action == "destroy") {
        model_.remove(id, model_.take_ticket());
        std::erase(dirty, id);
      } else if (changes_summary(action) &&
                 std::find(dirty.begin(), dirty.end(), id) == dirty.end()) {
        dirty.push_back(id);
      }
    }
    // One listing for every container touched by this batch of events.
    co_await refresh(std::move(dirty), true);
    if (images_changed) co_await count_images();
  }
}

asio::awaitable<void> Engine::resync_periodically() {
  constexpr auto kResyncInterval = std::chrono::seconds(30);
  while (!stopping_) {
    resync_timer_->expires_after(kResyncInterval);
    co_await resync_timer_->async_wait(as_tuple);
    if (stopping_ || state().status != EngineStatus::up) continue;
    try {
      const auto generation = generation_.load();
      const auto ticket = model_.take_ticket();
      auto listing = co_await client_->request(docker::Verb::get, "/containers/json?all=1");
      // Applied only if the engine stayed connected meanwhile: a listing taken before a
      // reconnect would bring back containers removed while it was away.
      if (listing.ok() && state().status == EngineStatus::up && generation == generation_.load()) {
        model_.replace_all(parse_summaries(listing.body), ticket);
      }
    } catch (const std::exception&) {
      // The watcher notices an unreachable engine and reports it; nothing to add here.
    }
  }
}

asio::awaitable<void> Engine::watch() {
  using namespace std::chrono_literals;
  auto backoff = 250ms;
  backoff_timer_ = std::make_unique<asio::steady_timer>(executor_);
  while (!stopping_) {
    std::string reason;
    try {
      co_await sync_once();
      reason = "the engine closed its event stream";
      backoff = 250ms;
    } catch (const Error& error) {
      reason = error.detail();
    } catch (const std::exception& error) {
      reason = error.what();
    }
    if (events_) {
      events_->close();
      events_.reset();
    }
    if (stopping_) break;
    const bool was_up = state().status == EngineStatus::up;
    ++generation_;
    set_state(EngineStatus::down, reason);
    model_.clear();
    if (was_up) {
      logger_.warn("engine down", {{"environment", environment_id_}, {"error", reason}});
    }
    backoff_timer_->expires_after(backoff);
    co_await backoff_timer_->async_wait(as_tuple);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, 5s);
  }
}

}  // namespace dokkerr::containers
