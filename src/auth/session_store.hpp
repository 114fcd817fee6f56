#pragma once
// Where server-side sessions and their refresh tokens are kept (tables sessions and
// refresh_tokens). Refresh tokens are stored hashed. Every call blocks: run it on the
// BlockingPool.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
class Clock;
}
namespace dokkerr::store {
class Database;
}

namespace dokkerr::auth {

struct SessionRecord {
  std::string id, user_id, auth_method, client_address, user_agent, created_at, last_used_at,
      expires_at;
  std::optional<std::string> revoked_at, revoke_reason;
};

struct RefreshTokenRecord {
  std::string token_hash, session_id, created_at, expires_at;
};

// What presenting a refresh token found.
enum class RefreshOutcome {
  rotated,         // the token was unused: it is used now, and the successor is stored
  grace_reissue,   // used within the grace window (two tabs refreshing at once): successor stored
  reuse_detected,  // used before the grace window: someone holds a copy, the session is revoked
  invalid          // unknown, expired, or its session is revoked or expired
};

struct RefreshClaim {
  RefreshOutcome outcome = RefreshOutcome::invalid;
  std::string session_id, user_id;  // set when the token was known
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // The session with its first refresh token, in one transaction.
  virtual void open(const SessionRecord& session, const RefreshTokenRecord& first) = 0;
  // Presents a refresh token, in one transaction. An unused token is claimed with a conditional
  // UPDATE, so of two concurrent refreshes exactly one rotates; the other sees it used. A used
  // token whose first use is at or after `grace_edge` is re-issued; one used earlier revokes
  // its session (reason "refresh_token_reuse"). `successor` (its session_id is filled in) is
  // stored for rotated and grace_reissue.
  virtual RefreshClaim claim(std::string_view token_hash, std::string_view grace_edge,
                             RefreshTokenRecord successor) = 0;
  // The session if it is neither revoked nor expired.
  virtual std::optional<SessionRecord> find_live(std::string_view id) = 0;
  // The account's live sessions, newest first, at most `limit`.
  virtual std::vector<SessionRecord> list_live(std::string_view user_id, std::size_t limit) = 0;
  virtual bool revoke(std::string_view user_id, std::string_view session_id,
                      std::string_view reason) = 0;
  // Every live session of the account but `except`; how many there were.
  virtual std::int64_t revoke_all(std::string_view user_id, std::string_view reason,
                                  std::string_view except) = 0;
};

std::unique_ptr<SessionStore> make_sql_session_store(store::Database& db, const Clock& clock);

}  // namespace dokkerr::auth
