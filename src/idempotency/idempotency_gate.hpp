#pragma once
// Idempotency-Key for the routes that take one (create a container, network or volume, pull an
// image), as payment APIs made it familiar:
//
// - The first successful answer to a key is kept for 24 h, per caller (the account, whichever
//   of its sessions or keys sends it), and a retry with the same key and the same request
//   (method, target and body) gets it again with `Idempotent-Replayed: true`, without acting.
// - The same key with another request: 422 idempotency_key_reused. While the first request
//   runs: 409 idempotency_key_in_flight.
// - A request that fails keeps nothing: its key is free for the retry. A request whose server
//   stopped before it finished holds its key for kClaimLife, then the key is free again; the
//   handler marks what it creates with the request's token, so the retry finds and returns the
//   object instead of making a second one (containers/ does this for containers).
// - A streamed answer (an image pull's progress) is kept as its last line.
#include "http/pipeline.hpp"
#include "idempotency/idempotency_store.hpp"

#include <chrono>

namespace dokkerr {
class BlockingPool;
class Clock;
class Logger;
}  // namespace dokkerr

namespace dokkerr::idempotency {

class IdempotencyStore;

inline constexpr std::chrono::seconds kKeyLife{24 * 3600};
inline constexpr std::chrono::seconds kClaimLife{60};
inline constexpr std::size_t kMaxKeyBytes = 255;
inline constexpr std::size_t kMaxKeptAnswerBytes = 64U * 1024U;

class IdempotencyGate final : public http::Idempotency {
 public:
  IdempotencyGate(IdempotencyStore& store, const Clock& clock, BlockingPool& pool, Logger& logger)
      : store_(store), clock_(clock), pool_(pool), logger_(logger) {}

  boost::asio::awaitable<std::optional<http::Response>> claim(http::Exchange& exchange) override;
  boost::asio::awaitable<void> settle(const http::Exchange& exchange,
                                      std::optional<http::Reply>& reply) override;

 private:
  boost::asio::awaitable<void> keep(std::string caller, std::string key, StoredAnswer answer);
  boost::asio::awaitable<void> release(std::string caller, std::string key);

  IdempotencyStore& store_;
  const Clock& clock_;
  BlockingPool& pool_;
  Logger& logger_;
};

// The token of a caller's key: what a handler labels its objects with.
[[nodiscard]] std::string token_of(std::string_view caller, std::string_view key);

}  // namespace dokkerr::idempotency
