#pragma once
// One-time tickets for WebSocket upgrades (browsers cannot set headers on them): a ticket is
// issued to an authenticated caller, stands for that caller only (its session or its API key),
// works once and expires after TokenSettings::ws_ticket_ttl_seconds.
#include "auth/ticket_store.hpp"
#include "core/principal.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr {
class BlockingPool;
class Clock;
}  // namespace dokkerr

namespace dokkerr::auth {

struct Ticket {
  std::string value;
  std::int64_t expires_in = 0;  // seconds
};

class TicketService {
 public:
  using Caller = std::shared_ptr<const Principal>;

  TicketService(TicketStore& store, const Clock& clock, BlockingPool& pool,
                std::int64_t ttl_seconds)
      : store_(store), clock_(clock), pool_(pool), ttl_seconds_(ttl_seconds) {}

  boost::asio::awaitable<Ticket> issue(Caller caller);
  // Blocking (the authenticator). Who the ticket stands for, once; nullopt when it is not one
  // of ours, unknown, used or expired.
  std::optional<TicketSubject> redeem(std::string_view ticket);

 private:
  TicketStore& store_;
  const Clock& clock_;
  BlockingPool& pool_;
  std::int64_t ttl_seconds_;
};

}  // namespace dokkerr::auth
