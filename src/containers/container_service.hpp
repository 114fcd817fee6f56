#pragma once
// Containers on an environment's engine: create (under the team's security policy), lifecycle,
// logs, stats and exec, each for a caller who may act on the container in its team (tenancy).
// Lists come from the event-synchronized model; every mutation refreshes the model before it
// answers. Engine documents are served with Docker's own field names, so they stay JSON values.
#include "containers/container_model.hpp"
#include "containers/engine_logs.hpp"
#include "containers/exec_session.hpp"
#include "containers/image_service.hpp"
#include "containers/live_stats.hpp"
#include "core/page.hpp"
#include "core/principal.hpp"
#include "docker/client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::policy {
struct Policy;
}

namespace dokkerr::containers {

class Engine;
struct Creation;
class EnvironmentService;
class TenancyService;
struct Resolved;

enum class ContainerAction { start, stop, restart, kill, pause, unpause };

struct ActionOptions {
  std::optional<long long> stop_timeout;  // stop, restart: seconds before the engine kills
  std::optional<std::string> signal;      // kill: the signal's name or number
};

struct ContainerCreate {
  std::optional<std::string> name;  // the engine's name rule, checked here
  std::optional<std::string> team;  // for callers in several teams
  // Docker's create body, as the client sent it: the security policy reads these very bytes
  // (duplicate keys and spellings count), and the engine gets what it rebuilt from them.
  std::string body;
  // The request's Idempotency-Key token (http::RequestContext::idempotency_token), or "".
  std::string idempotency_token{};
  // ?pull=missing|always: the image is pulled first (needs images:pull in the team); without
  // it the create is the engine's own, which fails on a missing image.
  std::optional<PullPolicy> pull{};
};

struct RemoveOptions {
  bool force = false;
  bool volumes = false;  // anonymous volumes too
};

// The log as it grows (follow): frames for a TTY-less container, raw bytes for a TTY.
struct LogFeed {
  std::unique_ptr<docker::EngineStream> stream;
  bool tty = false;
};

// The stats streams of several containers at once (the stats board of a container list).
struct StatsBoard {
  struct Feed {
    std::string ref;  // as the client named it
    std::unique_ptr<docker::EngineStream> stream;
  };
  std::vector<Feed> feeds;
  // Containers the metrics collector samples: read from `live` instead of an engine stream.
  struct Polled {
    std::string ref;  // as the client named it
    std::string id;   // the full id
  };
  std::vector<Polled> polled;
  const LiveStats* live = nullptr;
  std::string environment;
  // References that name no container the caller may read (the same for both reasons).
  std::vector<std::string> missing;
};

// How many containers one stats board may watch (each is an engine stream).
inline constexpr std::size_t kMaxStatsBoardContainers = 50;

struct ExecResult {
  std::string stdout_text, stderr_text;  // each bounded
  bool truncated = false;
  bool timed_out = false;  // the process may still run
  std::optional<std::int64_t> exit_code;
};

class ContainerService {
 public:
  // Without `images`, creates that ask for a pull are refused (tests of the engine calls alone);
  // without `live`, stats always come from the engine.
  ContainerService(EnvironmentService& environments, TenancyService& tenancy,
                   ImageService* images = nullptr, const LiveStats* live = nullptr)
      : environments_(environments), tenancy_(tenancy), images_(images), live_(live) {}

  // The containers the caller may read (admins: all). Items are the model's serialized summaries.
  boost::asio::awaitable<Page<std::string>> list(const Principal& caller, std::string env,
                                                 ContainerFilter filter, std::size_t limit,
                                                 std::string cursor);
  // Checks the body against the team's policy, pins or sets the team label, checks the volumes
  // and networks it uses (non-admins), creates it and records its owner. The engine's answer
  // ({"Id","Warnings"}).
  boost::asio::awaitable<boost::json::value> create(const Principal& caller, std::string env,
                                                    ContainerCreate request);
  // The policy's verdict on a create (Error policy_denied naming the field), nothing created:
  // a stack has every service checked before it makes the first.
  boost::asio::awaitable<void> check_create(const Principal& caller, std::string env,
                                            ContainerCreate request);
  boost::asio::awaitable<boost::json::value> inspect(const Principal& caller, std::string env,
                                                     std::string ref);
  boost::asio::awaitable<void> act(const Principal& caller, std::string env, std::string ref,
                                   ContainerAction action, ActionOptions options);
  boost::asio::awaitable<void> rename(const Principal& caller, std::string env, std::string ref,
                                      std::string name);
  // `body` is Docker's update body as sent (checked by the policy). The engine's warnings.
  boost::asio::awaitable<boost::json::array> update(const Principal& caller, std::string env,
                                                    std::string ref, std::string body);
  // Removes it and forgets its owner.
  boost::asio::awaitable<void> remove(const Principal& caller, std::string env, std::string ref,
                                      RemoveOptions options);
  boost::asio::awaitable<boost::json::value> top(const Principal& caller, std::string env,
                                                 std::string ref, std::string ps_args);
  boost::asio::awaitable<boost::json::value> wait(const Principal& caller, std::string env,
                                                  std::string ref, std::string condition);

  boost::asio::awaitable<Logs> logs(const Principal& caller, std::string env, std::string ref,
                                    LogOptions options);
  // follow=1: until the container stops or the reader closes the stream.
  boost::asio::awaitable<LogFeed> follow_logs(const Principal& caller, std::string env,
                                              std::string ref, LogOptions options);

  boost::asio::awaitable<boost::json::value> stats(const Principal& caller, std::string env,
                                                   std::string ref);
  // How the container is doing, from its inspect: state, its health check's verdict and last
  // results, restarts, exit code, OOM kill, when it started and how long it has run.
  boost::asio::awaitable<boost::json::object> health(const Principal& caller, std::string env,
                                                     std::string ref);
  // The engine's stats stream: one JSON document a line.
  boost::asio::awaitable<std::unique_ptr<docker::EngineStream>> stats_feed(const Principal& caller,
                                                                           std::string env,
                                                                           std::string ref);

  // The stats streams of up to kMaxStatsBoardContainers containers (400 invalid_parameter for
  // none or more); references the caller may not read are listed as missing, not refused, so
  // that a row removed meanwhile does not end the board.
  boost::asio::awaitable<StatsBoard> stats_board(const Principal& caller, std::string env,
                                                 std::vector<std::string> refs);

  // Runs a command to completion; output bounded, time bounded.
  boost::asio::awaitable<ExecResult> exec(const Principal& caller, std::string env, std::string ref,
                                          ExecRequest request, std::chrono::seconds timeout);
  // Starts a command the caller talks to (stdin attached); `size` applies to TTYs.
  boost::asio::awaitable<std::unique_ptr<ExecSession>> exec_interactive(
      const Principal& caller, std::string env, std::string ref, ExecRequest request,
      std::optional<TerminalSize> size);

 private:
  // The create body the policy rebuilt from `body` for the creation's team.
  std::string checked_create(const Principal& caller, const std::string& env,
                             const Creation& creation, std::string_view body) const;
  boost::asio::awaitable<void> pull_for_create(const Principal& caller, const std::string& env,
                                               const std::string& team, const std::string& image,
                                               PullPolicy policy);
  boost::asio::awaitable<Resolved> owned(const Principal& caller, std::string env, std::string ref,
                                         std::string_view permission);
  // The security policy's word on a privileged exec or one as root, under the policy of the
  // container's team.
  boost::asio::awaitable<void> check_exec(const Principal& caller, std::string env,
                                          const Resolved& container, const ExecRequest& request);
  // 403 quota_exceeded when the team's containers here reach its policy's max_containers.
  static void check_quota(const Principal& caller, Engine& engine, const Creation& creation);
  // 403 quota_exceeded when a container of `team` with `host_config` would take the team past
  // its memory or CPU quota here; `except` is the container being updated.
  boost::asio::awaitable<void> check_resources(const Principal& caller, Engine& engine,
                                               const std::string& team, const policy::Policy& rules,
                                               const boost::json::object& host_config,
                                               std::string_view except);
  // The container an earlier try of an idempotent create made (kRequestLabel), if any.
  boost::asio::awaitable<std::optional<std::string>> created_by(Engine& engine, std::string token);

  EnvironmentService& environments_;
  TenancyService& tenancy_;
  ImageService* images_;
  const LiveStats* live_;
};

}  // namespace dokkerr::containers
