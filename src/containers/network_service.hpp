#pragma once
#include "http/types.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace dokkerr::containers {

class EnvironmentService;

class NetworkService {
 public:
  explicit NetworkService(EnvironmentService& environments) : environments_(environments) {}
  boost::asio::awaitable<std::string> list(std::string env, std::optional<std::string> filters);
  boost::asio::awaitable<std::string> inspect(std::string env, std::string id);
  boost::asio::awaitable<std::string> create(std::string env, boost::json::object body);
  boost::asio::awaitable<void> remove(std::string env, std::string id);
  // connect / disconnect take the engine's body ({"Container": ...}).
  boost::asio::awaitable<void> connect(std::string env, std::string id, boost::json::object body,
                                       bool disconnect);
  boost::asio::awaitable<std::string> prune(std::string env, std::optional<std::string> filters);

 private:
  EnvironmentService& environments_;
};

class VolumeService {
 public:
  explicit VolumeService(EnvironmentService& environments) : environments_(environments) {}
  boost::asio::awaitable<std::string> list(std::string env, std::optional<std::string> filters);
  boost::asio::awaitable<std::string> inspect(std::string env, std::string name);
  boost::asio::awaitable<std::string> create(std::string env, boost::json::object body);
  boost::asio::awaitable<void> remove(std::string env, std::string name, bool force);
  boost::asio::awaitable<std::string> prune(std::string env, std::optional<std::string> filters);

 private:
  EnvironmentService& environments_;
};

class SystemService {
 public:
  explicit SystemService(EnvironmentService& environments) : environments_(environments) {}
  boost::asio::awaitable<std::string> info(std::string env);
  boost::asio::awaitable<std::string> version(std::string env);
  boost::asio::awaitable<std::string> disk_usage(std::string env);
  // The engine's event stream as WebSocket messages; `filters` is the engine's JSON form,
  // merged with the simple type/event lists.
  boost::asio::awaitable<http::WebSocketReply> events_socket(std::string env,
                                                             std::optional<std::string> filters,
                                                             std::vector<std::string> types,
                                                             std::vector<std::string> events,
                                                             std::optional<std::string> since);

 private:
  EnvironmentService& environments_;
};

}  // namespace dokkerr::containers
