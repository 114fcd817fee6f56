#pragma once
// Ends the streams (chunked responses and WebSockets) whose caller has lost the access that
// opened them: the session revoked or ended everywhere, the API key revoked, the account
// disabled, a password change that ended the other sessions, or a role or grant taken away.
//
// A stream is authorized once, when it opens; without this it would outlive every change. The
// guard looks again whenever the access generation moves (every committed change to access
// data, here at once, from other replicas within the change watch's poll) and at least every
// `backstop` (a session that simply expires writes nothing). While the database cannot be read
// the generation moves on every poll and the callers cannot be loaded: their streams end too.
#include "core/generation.hpp"
#include "core/principal.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace dokkerr {
class Logger;
}

namespace dokkerr::http {

class Authenticator;

// Whether `now` (the caller as loaded again) still holds everything `before` (the caller the
// stream was opened for) held of `permission` in `environment` ("" when the route names none):
// a team, an organization or the admin role lost ends the stream, a gained one changes nothing.
// Strict on purpose: a stream the caller could still open anew ends too when the team it came
// through is gone, since its filters (the events a stream shows) were built for the old access.
[[nodiscard]] bool still_covers(const Principal& before, const Principal& now,
                                std::string_view permission, std::string_view environment);

class StreamGuard {
 public:
  StreamGuard(boost::asio::any_io_executor executor, Authenticator& authenticator,
              const Generation& access_changes, Logger& logger,
              std::chrono::milliseconds interval = std::chrono::milliseconds(250),
              std::chrono::milliseconds backstop = std::chrono::seconds(30));
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

  void start();
  void stop();  // the loop ends at its next wake-up

  // Watches one stream for as long as the returned handle lives. `end` runs at most once, on the
  // guard's executor, when the caller no longer covers the stream; it must not block.
  [[nodiscard]] std::shared_ptr<const void> watch(std::shared_ptr<const Principal> caller,
                                                  std::string permission, std::string environment,
                                                  std::function<void()> end);
  [[nodiscard]] std::size_t watched() const;

 private:
  struct Watched {
    std::shared_ptr<const Principal> caller;
    std::string permission;
    std::string environment;
    std::function<void()> end;
  };

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> check_all();
  void forget(std::uint64_t id);

  Authenticator& authenticator_;
  const Generation& access_changes_;
  Logger& logger_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds backstop_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;

  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, Watched> streams_;
};

}  // namespace dokkerr::http
