#include "auth/session_store.hpp"
#include "core/clock.hpp"
#include "store/database.hpp"

namespace dokkerr::auth {
namespace {

constexpr std::string_view kColumns =
    "id, user_id, auth_method, client_address, user_agent, created_at, last_used_at, expires_at, "
    "revoked_at, revoke_reason";

SessionRecord session_from(const store::Row& row) {
  return SessionRecord{row.text(0),          row.text(1),         row.text(2), row.text(3),
                       row.text(4),          row.text(5),         row.text(6), row.text(7),
                       row.optional_text(8), row.optional_text(9)};
}

void insert_token(store::Database& tx, const RefreshTokenRecord& token) {
  tx.execute(
      "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, "
      "?, ?)",
      {token.token_hash, token.session_id, token.created_at, token.expires_at});
}

class SqlSessionStore final : public SessionStore {
 public:
  SqlSessionStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  void open(const SessionRecord& session, const RefreshTokenRecord& first) override {
    db_.transaction([&](store::Database& tx) {
      tx.execute(
          "INSERT INTO sessions (id, user_id, auth_method, client_address, user_agent, "
          "created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          {session.id, session.user_id, session.auth_method, session.client_address,
           session.user_agent, session.created_at, session.last_used_at, session.expires_at});
      insert_token(tx, first);
    });
  }

  RefreshClaim claim(std::string_view token_hash, std::string_view grace_edge,
                     RefreshTokenRecord successor) override {
    RefreshClaim result;
    const std::string hash(token_hash);
    db_.transaction([&](store::Database& tx) {
      const auto rows = tx.query(
          "SELECT r.session_id, r.expires_at, r.used_at, s.user_id, s.revoked_at, s.expires_at "
          "FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = ?",
          {hash});
      if (rows.empty()) return;
      const auto& row = rows.front();
      const auto now = clock_.stamp();
      result.session_id = row.text(0);
      result.user_id = row.text(3);
      if (!row.is_null(4) || row.text(5) <= now || row.text(1) <= now) return;  // invalid
      successor.session_id = result.session_id;
      if (row.is_null(2) &&
          tx.execute(
              "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
              {now, hash}) == 1) {
        insert_token(tx, successor);
        tx.execute("UPDATE sessions SET last_used_at = ? WHERE id = ?", {now, result.session_id});
        result.outcome = RefreshOutcome::rotated;
        return;
      }
      const auto used = tx.query("SELECT used_at FROM refresh_tokens WHERE token_hash = ?", {hash});
      const auto used_at = used.empty() ? std::string() : used.front().text(0);
      if (!used_at.empty() && used_at >= grace_edge) {
        insert_token(tx, successor);
        result.outcome = RefreshOutcome::grace_reissue;
        return;
      }
      tx.execute(
          "UPDATE sessions SET revoked_at = ?, revoke_reason = 'refresh_token_reuse' WHERE id = ? "
          "AND revoked_at IS NULL",
          {now, result.session_id});
      result.outcome = RefreshOutcome::reuse_detected;
    });
    return result;
  }

  std::optional<SessionRecord> find_live(std::string_view id) override {
    const auto rows = db_.query("SELECT " + std::string(kColumns) +
                                    " FROM sessions WHERE id = ? AND revoked_at IS NULL AND "
                                    "expires_at > ?",
                                {std::string(id), clock_.stamp()});
    if (rows.empty()) return std::nullopt;
    return session_from(rows.front());
  }

  std::vector<SessionRecord> list_live(std::string_view user_id, std::size_t limit) override {
    std::vector<SessionRecord> sessions;
    for (const auto& row :
         db_.query("SELECT " + std::string(kColumns) +
                       " FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > "
                       "? ORDER BY created_at DESC LIMIT ?",
                   {std::string(user_id), clock_.stamp(), static_cast<std::int64_t>(limit)})) {
      sessions.push_back(session_from(row));
    }
    return sessions;
  }

  bool revoke(std::string_view user_id, std::string_view session_id,
              std::string_view reason) override {
    return db_.execute(
               "UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND user_id = ? "
               "AND revoked_at IS NULL",
               {clock_.stamp(), std::string(reason), std::string(session_id),
                std::string(user_id)}) == 1;
  }

  std::int64_t revoke_all(std::string_view user_id, std::string_view reason,
                          std::string_view except) override {
    return db_.execute(
        "UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE user_id = ? AND id <> ? AND "
        "revoked_at IS NULL",
        {clock_.stamp(), std::string(reason), std::string(user_id), std::string(except)});
  }

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<SessionStore> make_sql_session_store(store::Database& db, const Clock& clock) {
  return std::make_unique<SqlSessionStore>(db, clock);
}

}  // namespace dokkerr::auth
