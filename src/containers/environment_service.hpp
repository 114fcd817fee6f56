#pragma once
// Environments: the engines Dokkerr manages. `local` comes from the configuration and is always
// there; remote engines (TCP, optionally TLS with client certificates) are stored in the
// database and can be added, changed and removed at run time.
#include "containers/engine.hpp"
#include "containers/environment_store.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace dokkerr {
class BlockingPool;
class Logger;
}  // namespace dokkerr

namespace dokkerr::containers {

inline constexpr std::string_view kLocalEnvironment = "local";

struct EnvironmentInput {
  std::optional<std::string> name;
  std::optional<std::string> url;
  bool tls_given = false;
  std::string tls_ca, tls_cert, tls_key;
  bool tls_verify = true;
};

// Parses a POST/PATCH body; errors name the field (invalid_body).
EnvironmentInput parse_environment_input(const boost::json::object& body);

class EnvironmentService {
 public:
  EnvironmentService(boost::asio::any_io_executor executor, docker::Endpoint local_endpoint,
                     EnvironmentStore& store, BlockingPool& blocking, Logger& logger);
  ~EnvironmentService();

  // Loads stored environments (blocking: called once at startup, before serving) and starts
  // watching every engine.
  void start();
  void stop();

  // The engine of an environment; Error not_found "environment_not_found" when unknown.
  [[nodiscard]] std::shared_ptr<Engine> engine(std::string_view environment_id) const;
  // Same, and Error unavailable "engine_unavailable" unless it is up.
  [[nodiscard]] std::shared_ptr<Engine> engine_up(std::string_view environment_id) const;

  [[nodiscard]] boost::json::object describe(std::string_view environment_id) const;
  [[nodiscard]] boost::json::array describe_all() const;
  boost::asio::awaitable<boost::json::object> create(EnvironmentInput input);
  boost::asio::awaitable<boost::json::object> update(std::string environment_id, EnvironmentInput input);
  boost::asio::awaitable<void> remove(std::string environment_id);

  // For /readyz: every environment with its status.
  [[nodiscard]] std::vector<std::pair<std::string, EngineState>> states() const;

 private:
  struct Entry {
    EnvironmentRecord record;
    std::shared_ptr<Engine> engine;
  };
  static docker::Endpoint endpoint_of(const EnvironmentRecord& record);
  boost::json::object describe_entry(const Entry& entry) const;

  boost::asio::any_io_executor executor_;
  EnvironmentStore& store_;
  BlockingPool& blocking_;
  Logger& logger_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace dokkerr::containers
