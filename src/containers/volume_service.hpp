#pragma once
// Volumes on an environment's engine, for the callers whose teams own them (tenancy): list,
// inspect, create under the team's policy, remove, prune.
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

struct VolumeCreate {
  std::optional<std::string> team;  // for callers in several teams
  // Docker's create body as sent (empty: the engine's defaults); the policy reads these bytes.
  std::string body;
};

struct VolumeList {
  boost::json::array volumes;
  boost::json::value warnings;  // the engine's, as it sent them (null when none)
};

class VolumeService {
 public:
  VolumeService(EnvironmentService& environments, TenancyService& tenancy)
      : environments_(environments), tenancy_(tenancy) {}

  // The engine's volumes that the caller's teams own (admins: all).
  boost::asio::awaitable<VolumeList> list(const Principal& caller, std::string env,
                                          std::optional<boost::json::object> filters);
  boost::asio::awaitable<boost::json::value> inspect(const Principal& caller, std::string env,
                                                     std::string name);
  // The engine's answer (the volume).
  boost::asio::awaitable<boost::json::value> create(const Principal& caller, std::string env,
                                                    VolumeCreate request);
  // The policy's verdict on a create, nothing created (a stack checks its volumes first).
  boost::asio::awaitable<void> check_create(const Principal& caller, std::string env,
                                            VolumeCreate request);
  boost::asio::awaitable<void> remove(const Principal& caller, std::string env, std::string name,
                                      bool force);
  boost::asio::awaitable<boost::json::value> prune(std::string env,
                                                   std::optional<boost::json::object> filters);

 private:
  EnvironmentService& environments_;
  TenancyService& tenancy_;
};

}  // namespace dokkerr::containers
