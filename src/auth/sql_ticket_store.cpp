#include "auth/ticket_store.hpp"
#include "core/clock.hpp"
#include "store/database.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::auth {
namespace {

class SqlTicketStore final : public TicketStore {
 public:
  SqlTicketStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  void insert(std::string_view ticket_hash, const TicketSubject& subject,
              std::string_view expires_at) override {
    const boost::json::object principal{{"user_id", subject.user_id},
                                        {"session_id", subject.session_id},
                                        {"api_key_id", subject.api_key_id},
                                        {"path", subject.path}};
    db_.execute("DELETE FROM ws_tickets WHERE expires_at <= ?", {clock_.stamp()});
    db_.execute(
        "INSERT INTO ws_tickets (ticket_hash, principal, expires_at) VALUES (?, ?, ?)",
        {std::string(ticket_hash), boost::json::serialize(principal), std::string(expires_at)});
  }

  std::optional<TicketSubject> redeem(std::string_view ticket_hash) override {
    std::optional<TicketSubject> subject;
    const std::string hash(ticket_hash);
    db_.transaction([&](store::Database& tx) {
      const auto rows =
          tx.query("SELECT principal FROM ws_tickets WHERE ticket_hash = ? AND expires_at > ?",
                   {hash, clock_.stamp()});
      if (rows.empty() || tx.execute("DELETE FROM ws_tickets WHERE ticket_hash = ?", {hash}) != 1) {
        return;
      }
      const auto value = boost::json::parse(rows.front().text(0));
      const auto& object = value.as_object();
      // A ticket stored before tickets named their path opens nothing ("" matches no route).
      const auto* path = object.if_contains("path");
      subject = TicketSubject{
          std::string(object.at("user_id").as_string()),
          std::string(object.at("session_id").as_string()),
          std::string(object.at("api_key_id").as_string()),
          path != nullptr && path->is_string() ? std::string(path->as_string()) : std::string()};
    });
    return subject;
  }

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<TicketStore> make_sql_ticket_store(store::Database& db, const Clock& clock) {
  return std::make_unique<SqlTicketStore>(db, clock);
}

}  // namespace dokkerr::auth
