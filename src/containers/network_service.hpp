#pragma once
// Networks on an environment's engine, for the callers whose teams own them (tenancy): list,
// inspect, create under the team's policy, connect and disconnect containers, remove, prune.
#include "core/principal.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace dokkerr::containers {

class EnvironmentService;
class TenancyService;

struct NetworkCreate {
  std::optional<std::string> team;  // for callers in several teams
  std::string body;  // Docker's create body as sent: the policy reads these very bytes
};

// Docker's connect/disconnect body: the container, and what else the engine takes with it.
struct EndpointChange {
  std::string container;                              // id, id prefix or name
  std::optional<boost::json::value> endpoint_config;  // connect: EndpointConfig
  std::optional<boost::json::value> force;            // disconnect: Force
};

class NetworkService {
 public:
  NetworkService(EnvironmentService& environments, TenancyService& tenancy)
      : environments_(environments), tenancy_(tenancy) {}

  // The engine's networks that the caller's teams own (admins: all).
  boost::asio::awaitable<boost::json::array> list(const Principal& caller, std::string env,
                                                  std::optional<boost::json::object> filters);
  boost::asio::awaitable<boost::json::value> inspect(const Principal& caller, std::string env,
                                                     std::string ref);
  // Names are 1-128 characters and unique on the engine. The engine's answer ({"Id",…}).
  boost::asio::awaitable<boost::json::value> create(const Principal& caller, std::string env,
                                                    NetworkCreate request);
  // Both the network and (for non-admins) the container must be the caller's.
  boost::asio::awaitable<void> connect(const Principal& caller, std::string env, std::string ref,
                                       EndpointChange change);
  boost::asio::awaitable<void> disconnect(const Principal& caller, std::string env, std::string ref,
                                          EndpointChange change);
  boost::asio::awaitable<void> remove(const Principal& caller, std::string env, std::string ref);
  boost::asio::awaitable<boost::json::value> prune(std::string env,
                                                   std::optional<boost::json::object> filters);

 private:
  boost::asio::awaitable<void> change_endpoint(const Principal& caller, std::string env,
                                               std::string ref, EndpointChange change,
                                               bool disconnect);

  EnvironmentService& environments_;
  TenancyService& tenancy_;
};

}  // namespace dokkerr::containers
