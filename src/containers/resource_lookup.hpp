#pragma once
// What the tenancy rules ask an environment's engine: which object a reference names, and the
// team its label gives it. An interface so that the rules are tested without an engine; the one
// implementation asks the engine (make_engine_lookup).
#include "containers/ownership_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::containers {

class EnvironmentService;

struct EngineObject {
  std::string id;          // the engine's full id (volumes: the name)
  std::string team_label;  // the io.dokkerr.team label; "" when it has none
};

class ResourceLookup {
 public:
  virtual ~ResourceLookup() = default;
  // The object an id, id prefix or name addresses, resolved by the engine exactly as the request
  // that follows will be. Error not_found "<kind>_not_found" when there is none, and the
  // environment's own errors (environment_not_found, engine_unavailable).
  virtual boost::asio::awaitable<EngineObject> inspect(std::string environment_id,
                                                       ResourceKind kind, std::string ref) = 0;
  // Creates a named volume labelled for `team_id`.
  virtual boost::asio::awaitable<void> create_volume(std::string environment_id, std::string name,
                                                     std::string team_id) = 0;
  // Creates a bridge network labelled for `team_id` (and as the team's own network); returns
  // its id. Error conflict when a network of that name exists.
  virtual boost::asio::awaitable<std::string> create_team_network(std::string environment_id,
                                                                  std::string name,
                                                                  std::string team_id) = 0;
  // The team label of a container the environment's model knows by id, id prefix or name;
  // nullopt when it is unknown or unlabelled. Answers from memory, without asking the engine.
  [[nodiscard]] virtual std::optional<std::string> container_team(std::string_view environment_id,
                                                                  std::string_view ref) const = 0;
};

std::unique_ptr<ResourceLookup> make_engine_lookup(EnvironmentService& environments);

}  // namespace dokkerr::containers
