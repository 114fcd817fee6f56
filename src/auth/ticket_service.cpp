#include "auth/ticket_service.hpp"

#include "auth/opaque_secret.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

#include <algorithm>

namespace dokkerr::auth {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxTicketPath = 512;

void check_ticket_path(std::string_view path) {
  const bool printable = std::all_of(path.begin(), path.end(), [](char c) {
    return c > ' ' && c != 0x7f && c != '?' && c != '#';
  });
  if (!path.starts_with("/api/") || path.size() > kMaxTicketPath || !printable) {
    throw Error::invalid("invalid_body",
                         "'path' must be the WebSocket route's path without its query: /api/…, "
                         "at most 512 characters.");
  }
}

}  // namespace

asio::awaitable<Ticket> TicketService::issue(Caller caller, std::string path) {
  check_ticket_path(path);
  Ticket ticket{new_secret(kTicketPrefix), path, ttl_seconds_};
  const TicketSubject subject{caller->user_id, caller->session_id, caller->api_key_id,
                              std::move(path)};
  auto store = [&] {
    store_.insert(secret_hash(ticket.value), subject,
                  clock_.stamp_in(std::chrono::seconds(ttl_seconds_)));
  };
  co_await pool_.run(store);
  co_return ticket;
}

std::optional<TicketSubject> TicketService::redeem(std::string_view ticket, std::string_view path) {
  if (!looks_like(ticket, kTicketPrefix)) return std::nullopt;
  auto subject = store_.redeem(secret_hash(ticket));
  if (!subject || subject->path.empty() || subject->path != path) return std::nullopt;
  return subject;
}

}  // namespace dokkerr::auth
