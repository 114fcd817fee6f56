#include "http/stream_guard.hpp"

#include "core/logger.hpp"
#include "http/pipeline.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <vector>

namespace dokkerr::http {

namespace asio = boost::asio;

namespace {

constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

bool is_real_permission(std::string_view permission) {
  return permission != access::kPublic && permission != access::kAuthenticated;
}

template <typename Set>
bool includes_all(const Set& now, const Set& before) {
  return std::includes(now.begin(), now.end(), before.begin(), before.end());
}

}  // namespace

bool still_covers(const Principal& before, const Principal& now, std::string_view permission,
                  std::string_view environment) {
  if (now.user_id != before.user_id) return false;
  if (before.is_admin) return now.is_admin;
  if (now.is_admin) return true;
  if (!is_real_permission(permission)) return true;
  if (!includes_all(now.teams_with(permission), before.teams_with(permission))) return false;
  for (const auto& [org, permissions] : before.org_permissions) {
    if (permissions.contains(permission) && !now.has_in_org(org, permission)) return false;
  }
  if (!environment.empty() && !includes_all(now.teams_in(environment, permission),
                                            before.teams_in(environment, permission))) {
    return false;
  }
  return true;
}

StreamGuard::StreamGuard(asio::any_io_executor executor, Authenticator& authenticator,
                         const Generation& access_changes, Logger& logger,
                         std::chrono::milliseconds interval, std::chrono::milliseconds backstop)
    : authenticator_(authenticator),
      access_changes_(access_changes),
      logger_(logger),
      interval_(interval),
      backstop_(backstop),
      timer_(std::move(executor)) {}

void StreamGuard::start() {
  asio::co_spawn(timer_.get_executor(), run(), asio::detached);
}

void StreamGuard::stop() {
  asio::post(timer_.get_executor(), [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

std::shared_ptr<const void> StreamGuard::watch(std::shared_ptr<const Principal> caller,
                                               std::string permission, std::string environment,
                                               std::function<void()> end) {
  const std::lock_guard lock(mutex_);
  const auto id = next_id_++;
  streams_.emplace(id, Watched{std::move(caller), std::move(permission), std::move(environment),
                               std::move(end)});
  // The handle's deleter unregisters; the guard outlives every connection (the server stops
  // them before the guard goes).
  return {reinterpret_cast<const void*>(this), [this, id](const void*) { forget(id); }};
}

std::size_t StreamGuard::watched() const {
  const std::lock_guard lock(mutex_);
  return streams_.size();
}

void StreamGuard::forget(std::uint64_t id) {
  const std::lock_guard lock(mutex_);
  streams_.erase(id);
}

asio::awaitable<void> StreamGuard::run() {
  auto seen = access_changes_.current();
  auto last_full = std::chrono::steady_clock::now();
  while (!stopped_) {
    timer_.expires_after(interval_);
    auto [ec] = co_await timer_.async_wait(as_tuple);
    if (stopped_) break;
    (void)ec;
    const auto generation = access_changes_.current();
    const auto now = std::chrono::steady_clock::now();
    if (generation == seen && now - last_full < backstop_) continue;
    // Read before the callers are loaded: a change landing meanwhile is checked on the next turn.
    seen = generation;
    last_full = now;
    co_await check_all();
  }
}

asio::awaitable<void> StreamGuard::check_all() {
  std::vector<std::pair<std::uint64_t, Watched>> batch;
  {
    const std::lock_guard lock(mutex_);
    batch.assign(streams_.begin(), streams_.end());
  }
  // One load per credential, however many streams it holds open.
  std::map<std::string, std::shared_ptr<const Principal>, std::less<>> loaded;
  for (auto& [id, stream] : batch) {
    const auto& before = *stream.caller;
    auto key = before.user_id + '\n' + before.session_id + '\n' + before.api_key_id;
    auto known = loaded.find(key);
    if (known == loaded.end()) {
      std::shared_ptr<const Principal> now;
      try {
        now = co_await authenticator_.reauthenticate(before);
      } catch (const std::exception& error) {
        // Revoked, disabled, or the database cannot say: the stream does not outlive the doubt.
        logger_.info("stream caller not confirmed",
                     {{"user", before.user_id}, {"error", error.what()}});
      }
      known = loaded.emplace(std::move(key), std::move(now)).first;
    }
    const auto& now = known->second;
    if (now && still_covers(before, *now, stream.permission, stream.environment)) continue;
    bool was_watched = false;
    {
      const std::lock_guard lock(mutex_);
      was_watched = streams_.erase(id) == 1;
    }
    if (!was_watched) continue;  // it ended on its own meanwhile
    logger_.info("stream ended: access withdrawn",
                 {{"user", before.user_id}, {"permission", stream.permission}});
    stream.end();
  }
}

}  // namespace dokkerr::http
