#pragma once
// What a stack needs of an environment, as the caller: everything it creates passes the team's
// policy and tenancy exactly as the same request made by hand would (implemented in app/ over
// the containers domain). Every call may throw the containers domain's errors (policy_denied,
// network_not_found, engine_unavailable, …), which reach the client unchanged.
#include "core/principal.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace dokkerr::stacks {

// A container of a compose project on the engine, found by its labels.
struct ProjectContainer {
  std::string id;
  std::string name;
  std::string service;
  int number = 0;
  std::string config_hash;
  std::string state;     // created, running, exited, …
  std::string image_id;  // "sha256:…" of the image it runs
};

struct ContainerStatus {
  std::string state;   // created, running, exited, dead, …
  std::string health;  // "" without a health check, else starting, healthy, unhealthy
  int exit_code = 0;
};

// One line a container logged.
struct LogLine {
  std::string time;    // the engine's RFC 3339 timestamp
  std::string stream;  // stdout or stderr
  std::string text;
};

class StackHost {
 public:
  virtual ~StackHost() = default;

  // The team the caller deploys for: `team` when given (one of its own), its only team, or ""
  // for an administrator acting for no team. Error forbidden / invalid otherwise.
  virtual boost::asio::awaitable<std::string> deploying_team(const Principal& caller,
                                                             std::string env,
                                                             std::optional<std::string> team) = 0;
  // The team's policy over the bodies, nothing created: Error forbidden "policy_denied" naming
  // the field, as a create would answer.
  virtual boost::asio::awaitable<void> check_container(const Principal& caller, std::string env,
                                                       std::string team,
                                                       boost::json::object body) = 0;
  virtual boost::asio::awaitable<void> check_volume(const Principal& caller, std::string env,
                                                    std::string team, boost::json::object body) = 0;

  // Creates the network for the team unless one of that name exists; an existing one must be
  // the caller's (Error not_found "network_not_found" otherwise). `body == nullopt`: an
  // external network, which must exist already.
  virtual boost::asio::awaitable<void> ensure_network(const Principal& caller, std::string env,
                                                      std::string team, std::string name,
                                                      std::optional<boost::json::object> body) = 0;
  virtual boost::asio::awaitable<void> ensure_volume(const Principal& caller, std::string env,
                                                     std::string team, std::string name,
                                                     std::optional<boost::json::object> body) = 0;

  // The project's containers the caller may see (all of them, when it may see the project).
  virtual boost::asio::awaitable<std::vector<ProjectContainer>> project_containers(
      const Principal& caller, std::string env, std::string project) = 0;
  // Creates one container (policy, tenancy, owner) and returns its id. `pull`: "missing" pulls
  // the image first when the engine lacks it, "always" every time, "never" not at all.
  virtual boost::asio::awaitable<std::string> create_container(const Principal& caller,
                                                               std::string env, std::string team,
                                                               std::string name,
                                                               boost::json::object body,
                                                               std::string pull) = 0;
  // Pulls `image` again (images:pull in the team, the registry rules and stored logins of a
  // pull by hand) and returns the id of what the engine has under that reference now.
  virtual boost::asio::awaitable<std::string> refresh_image(const Principal& caller,
                                                            std::string env, std::string team,
                                                            std::string image) = 0;
  virtual boost::asio::awaitable<void> connect(const Principal& caller, std::string env,
                                               std::string network, std::string container,
                                               boost::json::object endpoint) = 0;
  virtual boost::asio::awaitable<void> start(const Principal& caller, std::string env,
                                             std::string container) = 0;
  virtual boost::asio::awaitable<void> rename(const Principal& caller, std::string env,
                                              std::string container, std::string name) = 0;
  virtual boost::asio::awaitable<void> stop(const Principal& caller, std::string env,
                                            std::string container) = 0;
  virtual boost::asio::awaitable<void> remove_container(const Principal& caller, std::string env,
                                                        std::string container) = 0;
  virtual boost::asio::awaitable<ContainerStatus> status(const Principal& caller, std::string env,
                                                         std::string container) = 0;
  // The last `tail` lines the container logged, with the engine's timestamps, oldest first.
  virtual boost::asio::awaitable<std::vector<LogLine>> logs(const Principal& caller,
                                                            std::string env, std::string container,
                                                            std::size_t tail) = 0;
  // Removing what is not there succeeds.
  virtual boost::asio::awaitable<void> remove_network(const Principal& caller, std::string env,
                                                      std::string name) = 0;
  virtual boost::asio::awaitable<void> remove_volume(const Principal& caller, std::string env,
                                                     std::string name) = 0;
};

}  // namespace dokkerr::stacks
