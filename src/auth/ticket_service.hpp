#pragma once
// One-time tickets for WebSocket upgrades (browsers cannot set headers on them): a ticket is
// issued to an authenticated caller, stands for that caller only (its session or its API key),
// opens only the one path it was issued for (an events ticket opens no exec console), works once
// (a redemption on another path uses it up too) and expires after
// TokenSettings::ws_ticket_ttl_seconds.
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
  std::string path;
  std::int64_t expires_in = 0;  // seconds
};

class TicketService {
 public:
  using Caller = std::shared_ptr<const Principal>;

  TicketService(TicketStore& store, const Clock& clock, BlockingPool& pool,
                std::int64_t ttl_seconds)
      : store_(store), clock_(clock), pool_(pool), ttl_seconds_(ttl_seconds) {}

  // `path`: the WebSocket route's path as the client will request it, without the query
  // (400 invalid_body unless it is an /api/ path of at most 512 printable characters).
  boost::asio::awaitable<Ticket> issue(Caller caller, std::string path);
  // Blocking (the authenticator). Who the ticket stands for, once; nullopt when it is not one
  // of ours, unknown, used, expired or issued for another path.
  std::optional<TicketSubject> redeem(std::string_view ticket, std::string_view path);

 private:
  TicketStore& store_;
  const Clock& clock_;
  BlockingPool& pool_;
  std::int64_t ttl_seconds_;
};

}  // namespace dokkerr::auth
