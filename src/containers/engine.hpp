#pragma once
// One Docker Engine that Dokkerr manages (an "environment"): its client, its event-synchronized
// container model and its reachability. A watcher coroutine keeps the model in sync with the
// engine's /events stream, resyncs fully on every (re)connect, and marks the engine down (and the
// model empty) while it cannot be reached, retrying with a bounded backoff.
#include "containers/container_model.hpp"
#include "docker/client.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace dokkerr {
class Logger;
}

namespace dokkerr::containers {

enum class EngineStatus { connecting, up, down };

struct EngineInfo {
  std::string version, api_version, os, arch;
};

struct EngineState {
  EngineStatus status = EngineStatus::connecting;
  std::string error;  // why it is down (client-safe)
  EngineInfo info;
};

// A container started or died, as the engine announced it.
struct ContainerEvent {
  std::string environment, id, action;  // action: "start" or "die"
  std::string name, image, team;        // team: its io.dokkerr.team label
  std::string exit_code;                // for "die"
};
using ContainerEventListener = std::function<void(ContainerEvent)>;

// Shared ownership: requests and the watcher keep an Engine alive while an environment is removed.
class Engine : public std::enable_shared_from_this<Engine> {
 public:
  Engine(boost::asio::any_io_executor executor, std::string environment_id,
         docker::Endpoint endpoint, Logger& logger);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void start();
  void stop();  // ends the watcher soon (closes its stream, cancels its wait)

  [[nodiscard]] const std::string& environment_id() const { return environment_id_; }
  [[nodiscard]] docker::Client& client() { return *client_; }
  [[nodiscard]] ContainerModel& model() { return model_; }
  [[nodiscard]] EngineState state() const;
  // Throws Error{unavailable,"engine_unavailable"} unless the engine is up.
  void require_up() const;

  // Brings one container's entry up to date after a mutation of ours, so that the very next
  // list shows it; removes it when the engine no longer has it.
  boost::asio::awaitable<void> refresh_container(std::string id);
  void forget_container(const std::string& id);
  // Resolves id, id prefix or name through the model; falls back to the reference itself.
  [[nodiscard]] std::string resolve(std::string_view reference) const;
  // Told of every container start and death from then on (on the watcher's executor).
  void on_container_event(std::shared_ptr<const ContainerEventListener> listener);
  // Images on the engine, recounted on every image event.
  [[nodiscard]] std::size_t image_count() const { return image_count_; }

 private:
  boost::asio::awaitable<void> watch();
  // A full relisting every kResyncInterval while up: keeps the engine's human "Status" text
  // ("Up 5 minutes") current and heals anything an event stream could have missed.
  boost::asio::awaitable<void> resync_periodically();
  boost::asio::awaitable<void> sync_once();
  boost::asio::awaitable<void> refresh(std::vector<std::string> ids, bool barrier);
  boost::asio::awaitable<void> count_images();
  void set_state(EngineStatus status, std::string error, std::optional<EngineInfo> info = {});
  void announce(ContainerEvent event);

  boost::asio::any_io_executor executor_;  // a strand: the watcher's state lives here
  std::string environment_id_;
  Logger& logger_;
  std::unique_ptr<docker::Client> client_;
  ContainerModel model_;
  mutable std::mutex mutex_;
  EngineState state_;
  std::shared_ptr<const ContainerEventListener> listener_;  // guarded by mutex_
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> image_count_{0};
  std::atomic<std::uint64_t> generation_{0};  // bumped whenever the engine is lost
  std::unique_ptr<docker::EngineStream> events_;  // touched only on executor_
  std::unique_ptr<boost::asio::steady_timer> backoff_timer_;  // touched only on executor_
  std::unique_ptr<boost::asio::steady_timer> resync_timer_;   // touched only on executor_
};

}  // namespace dokkerr::containers
