#pragma once
// Containers on an environment's engine: lifecycle, logs, stats, exec. Reads of the list come
// from the event-synchronized model; every mutation refreshes the model before it answers.
#include "containers/container_model.hpp"
#include "http/types.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace dokkerr::containers {

class EnvironmentService;

enum class ContainerAction { start, stop, restart, kill, pause, unpause };

struct LogOptions {
  std::string tail = "all";
  std::optional<std::string> since, until;
  bool timestamps = false, stdout_ = true, stderr_ = true;
};

struct ExecRequest {
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir, user;
  bool tty = false;
  bool privileged = false;  // refused by the security policy for non-admins
};

// Parses {"Cmd":[...],"Env":[...],"WorkingDir","User","Tty"}; rejects unknown fields.
ExecRequest parse_exec_request(const boost::json::object& body);

class ContainerService {
 public:
  explicit ContainerService(EnvironmentService& environments) : environments_(environments) {}

  boost::asio::awaitable<std::string> list(std::string env, ContainerFilter filter,
                                           std::size_t limit, std::string cursor);
  boost::asio::awaitable<std::string> create(std::string env, std::optional<std::string> name,
                                             boost::json::object body);
  boost::asio::awaitable<std::string> inspect(std::string env, std::string ref);
  boost::asio::awaitable<void> act(std::string env, std::string ref, ContainerAction action,
                                   const http::QueryParams& query);
  boost::asio::awaitable<void> rename(std::string env, std::string ref, std::string name);
  boost::asio::awaitable<std::string> update(std::string env, std::string ref,
                                             boost::json::object body);
  boost::asio::awaitable<void> remove(std::string env, std::string ref, bool force, bool volumes);
  boost::asio::awaitable<std::string> top(std::string env, std::string ref, std::string ps_args);
  boost::asio::awaitable<std::string> wait(std::string env, std::string ref, std::string condition);

  boost::asio::awaitable<std::string> logs(std::string env, std::string ref, LogOptions options);
  // follow=1 over chunked HTTP: NDJSON {"stream","data"} until the container stops or the
  // client goes away.
  boost::asio::awaitable<http::StreamingReply> follow_logs(std::string env, std::string ref,
                                                           LogOptions options);
  boost::asio::awaitable<http::WebSocketReply> logs_socket(std::string env, std::string ref,
                                                           LogOptions options);

  boost::asio::awaitable<std::string> stats(std::string env, std::string ref);
  boost::asio::awaitable<http::WebSocketReply> stats_socket(std::string env, std::string ref);

  // Runs a command to completion; output bounded, time bounded.
  boost::asio::awaitable<std::string> exec(std::string env, std::string ref, ExecRequest request,
                                           std::chrono::seconds timeout);
  boost::asio::awaitable<http::WebSocketReply> exec_socket(std::string env, std::string ref,
                                                           ExecRequest request,
                                                           std::optional<std::pair<int, int>> size);

 private:
  EnvironmentService& environments_;
};

}  // namespace dokkerr::containers
