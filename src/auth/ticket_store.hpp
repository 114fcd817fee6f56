#pragma once
// One-time WebSocket tickets (table ws_tickets), stored hashed. Every call blocks: run it on the
// BlockingPool.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr {
class Clock;
}
namespace dokkerr::store {
class Database;
}

namespace dokkerr::auth {

// Who a ticket stands for (an account's session, or one of its API keys) and the one endpoint
// and object it opens: the path of the WebSocket route, without the query.
struct TicketSubject {
  std::string user_id, session_id, api_key_id, path;
};

class TicketStore {
 public:
  virtual ~TicketStore() = default;
  // Stores a ticket. Expired tickets of anyone are swept first, so the table stays small without
  // a timer.
  virtual void insert(std::string_view ticket_hash, const TicketSubject& subject,
                      std::string_view expires_at) = 0;
  // Deleting is the redemption: the subject of a live ticket, for the one caller whose DELETE
  // removed it; nullopt when the ticket is unknown, used or expired.
  virtual std::optional<TicketSubject> redeem(std::string_view ticket_hash) = 0;
};

std::unique_ptr<TicketStore> make_sql_ticket_store(store::Database& db, const Clock& clock);

}  // namespace dokkerr::auth
