#include "auth/ticket_service.hpp"

#include "auth/opaque_secret.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"

namespace dokkerr::auth {

namespace asio = boost::asio;

asio::awaitable<Ticket> TicketService::issue(Caller caller) {
  Ticket ticket{new_secret(kTicketPrefix), ttl_seconds_};
  const TicketSubject subject{caller->user_id, caller->session_id, caller->api_key_id};
  auto store = [&] {
    store_.insert(secret_hash(ticket.value), subject,
                  clock_.stamp_in(std::chrono::seconds(ttl_seconds_)));
  };
  co_await pool_.run(store);
  co_return ticket;
}

std::optional<TicketSubject> TicketService::redeem(std::string_view ticket) {
  if (!looks_like(ticket, kTicketPrefix)) return std::nullopt;
  return store_.redeem(secret_hash(ticket));
}

}  // namespace dokkerr::auth
