#pragma once
// Environments: the engines Dokkerr manages. `local` comes from the configuration and is always
// there; remote engines (TCP, optionally TLS with client certificates) are stored and can be
// added, changed and removed at run time. Every environment has its Engine (client, container
// model, watcher).
#include "containers/engine.hpp"
#include "containers/environment_store.hpp"
#include "core/principal.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace dokkerr {
class BlockingPool;
class Clock;
class Logger;
}  // namespace dokkerr

namespace dokkerr::containers {

inline constexpr std::string_view kLocalEnvironment = "local";

// PEM material of a TLS engine; cert and key go together.
struct EnvironmentTls {
  std::string ca, cert, key;
  bool verify = true;
};

// What a client sets: create needs name and url; an update changes what is given (tls as a
// whole).
struct EnvironmentInput {
  std::optional<std::string> name;
  std::optional<std::string> url;
  std::optional<EnvironmentTls> tls;
};

// An environment as the API shows it: never its TLS material.
struct EnvironmentView {
  std::string id, name, url;
  bool tls = false;  // TLS material stored, or an https:// url
  bool builtin = false;
  EngineState state;
  ContainerCounts counts;              // meaningful while the engine is up
  std::size_t images = 0;              // likewise
  std::string created_at, updated_at;  // empty for local
};

class EnvironmentService {
 public:
  EnvironmentService(boost::asio::any_io_executor executor, docker::Endpoint local_endpoint,
                     EnvironmentStore& store, BlockingPool& blocking, Logger& logger,
                     const Clock& clock);
  ~EnvironmentService();

  // Loads stored environments (blocking: called once at startup, before serving) and starts
  // watching every engine.
  void start();
  void stop();
  // Every engine's container starts and deaths, from now on, for engines added later too.
  void on_container_events(ContainerEventListener listener);

  // The engine of an environment; Error not_found "environment_not_found" when unknown.
  [[nodiscard]] std::shared_ptr<Engine> engine(std::string_view environment_id) const;
  // Same, and Error unavailable "engine_unavailable" unless it is up.
  [[nodiscard]] std::shared_ptr<Engine> engine_up(std::string_view environment_id) const;

  // The environments granted to one of the caller's teams (admins: all), `local` first, then by
  // name.
  [[nodiscard]] std::vector<EnvironmentView> list(const Principal& caller) const;
  [[nodiscard]] EnvironmentView describe(std::string_view environment_id) const;
  // Names are 1-64 characters without control characters, and `local` is reserved (409
  // environment_name_conflict); the url must name an engine (400 invalid_docker_host).
  boost::asio::awaitable<EnvironmentView> create(EnvironmentInput input);
  // A new url or new TLS material reconnects; `local` cannot change (409 environment_builtin).
  boost::asio::awaitable<EnvironmentView> update(std::string environment_id,
                                                 EnvironmentInput input);
  boost::asio::awaitable<void> remove(std::string environment_id);

  // For /readyz: every environment with its status.
  [[nodiscard]] std::vector<std::pair<std::string, EngineState>> states() const;

 private:
  // An engine told of container events as every other; callers hold mutex_ (or construct).
  std::shared_ptr<Engine> make_engine(const std::string& id, docker::Endpoint endpoint);
  struct Entry {
    EnvironmentRecord record;
    std::shared_ptr<Engine> engine;
  };
  static docker::Endpoint endpoint_of(const EnvironmentRecord& record);
  [[nodiscard]] EnvironmentView view_of(const Entry& entry) const;

  boost::asio::any_io_executor executor_;
  EnvironmentStore& store_;
  BlockingPool& blocking_;
  Logger& logger_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::shared_ptr<const ContainerEventListener> listener_;  // guarded by mutex_
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace dokkerr::containers
