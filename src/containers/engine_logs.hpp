#pragma once
// Logs as the engine serves them, for containers and Swarm services alike: the query, and the
// bounded read of a log so far.
#include "docker/streams.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::containers {

class Engine;

struct LogOptions {
  std::string tail = "all";
  std::optional<std::string> since, until;
  bool timestamps = false, stdout_ = true, stderr_ = true;
};

// The log so far, bounded: `truncated` when it was longer than the service returns.
struct Logs {
  std::vector<docker::Frame> entries;
  bool truncated = false;
};

// "?stdout=…&stderr=…&tail=…&timestamps=…&follow=…[&since=…][&until=…]".
std::string log_query(const LogOptions& options, bool follow);

// Reads the log at `target` (…/logs plus log_query) up to 16 MiB; `tty` when it is raw bytes
// rather than the engine's frames.
boost::asio::awaitable<Logs> read_logs(Engine& engine, std::string target, std::string_view what,
                                       bool tty);

}  // namespace dokkerr::containers
