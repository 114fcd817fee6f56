#include "idempotency/idempotency_store.hpp"
#include "store/database.hpp"

namespace dokkerr::idempotency {
namespace {

class SqlIdempotencyStore final : public IdempotencyStore {
 public:
  explicit SqlIdempotencyStore(store::Database& db) : db_(db) {}

  Claim claim(const ClaimRequest& request) override {
    Claim claim;
    db_.transaction([&](store::Database& tx) {
      tx.execute("DELETE FROM idempotency_keys WHERE expires_at <= ?", {request.now});
      // Of two first uses racing, the insert decides: the loser finds the winner's row below.
      const auto inserted = tx.execute(
          "INSERT INTO idempotency_keys (caller, idempotency_key, fingerprint, token, state, "
          "locked_until, expires_at) VALUES (?, ?, ?, ?, 'in_flight', ?, ?) "
          "ON CONFLICT (caller, idempotency_key) DO NOTHING",
          {request.caller, request.key, request.fingerprint, request.token, request.locked_until,
           request.expires_at});
      if (inserted == 1) {
        claim.outcome = ClaimOutcome::claimed;
        return;
      }
      const auto rows = tx.query(
          "SELECT fingerprint, state, status, content_type, body, locked_until "
          "FROM idempotency_keys WHERE caller = ? AND idempotency_key = ?",
          {request.caller, request.key});
      if (rows.empty()) {  // swept between the two statements: treat as in flight, retry later
        claim.outcome = ClaimOutcome::in_flight;
        return;
      }
      const auto& row = rows.front();
      if (row.text(0) != request.fingerprint) {
        claim.outcome = ClaimOutcome::other_request;
      } else if (row.text(1) == "answered") {
        claim.outcome = ClaimOutcome::answered;
        claim.answer =
            StoredAnswer{static_cast<unsigned>(row.integer(2)), row.text(3), row.text(4)};
      } else if (row.text(5) > request.now) {
        claim.outcome = ClaimOutcome::in_flight;
      } else {
        // Abandoned (its server stopped before it settled): this request takes it over.
        tx.execute(
            "UPDATE idempotency_keys SET locked_until = ? WHERE caller = ? AND idempotency_key = ?",
            {request.locked_until, request.caller, request.key});
        claim.outcome = ClaimOutcome::claimed;
      }
    });
    return claim;
  }

  void answer(const std::string& caller, const std::string& key, const StoredAnswer& answer,
              const std::string& expires_at) override {
    db_.execute(
        "UPDATE idempotency_keys SET state = 'answered', status = ?, content_type = ?, body = ?, "
        "expires_at = ? WHERE caller = ? AND idempotency_key = ?",
        {std::int64_t{answer.status}, answer.content_type, answer.body, expires_at, caller, key});
  }

  void release(const std::string& caller, const std::string& key) override {
    db_.execute(
        "DELETE FROM idempotency_keys WHERE caller = ? AND idempotency_key = ? AND state = "
        "'in_flight'",
        {caller, key});
  }

 private:
  store::Database& db_;
};

}  // namespace

std::unique_ptr<IdempotencyStore> make_sql_idempotency_store(store::Database& db) {
  return std::make_unique<SqlIdempotencyStore>(db);
}

}  // namespace dokkerr::idempotency
