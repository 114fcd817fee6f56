#pragma once
// Server-side sessions: short-lived JWT access tokens bound to a session row, opaque rotating
// refresh tokens (stored hashed, single use, reuse revokes the family), and one-time WebSocket
// tickets. Calls block: run them on the BlockingPool.
#include "auth/identity_store.hpp"
#include "core/audit_trail.hpp"
#include "auth/session_store.hpp"
#include "auth/ticket_store.hpp"
#include "users/session_revoker.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::store {
class Database;
}
namespace dokkerr::crypto {
class JwtKeyRing;
}

namespace dokkerr::auth {

struct TokenSettings {
  std::string issuer = "dokkerr";
  std::string audience = "dokkerr-api";
  std::int64_t access_ttl_seconds = 15 * 60;
  std::int64_t refresh_ttl_seconds = 14 * 24 * 3600;  // idle limit: each refresh renews it
  std::int64_t session_ttl_seconds = 30 * 24 * 3600;  // absolute limit of a session
  // A refresh token presented again within this window after its first use (two tabs
  // refreshing at once) gets a fresh pair instead of revoking the family.
  std::int64_t refresh_grace_seconds = 10;
  std::int64_t ws_ticket_ttl_seconds = 30;
};

struct TokenPair {
  std::string access_token, refresh_token, session_id;
  std::int64_t expires_in = 0;
};

struct SessionRow {
  std::string id, user_id, auth_method, client_address, user_agent, created_at, last_used_at,
      expires_at;
  std::optional<std::string> revoked_at, revoke_reason;
};


struct RefreshResult {
  RefreshOutcome outcome = RefreshOutcome::invalid;
  std::optional<TokenPair> tokens;
  std::string session_id, user_id;
};


class SessionService final : public users::SessionRevoker {
 public:
  SessionService(store::Database& db, const crypto::JwtKeyRing& keys, TokenSettings settings)
      : db_(db), keys_(keys), settings_(std::move(settings)) {}

  [[nodiscard]] const TokenSettings& settings() const { return settings_; }

  TokenPair open_session(std::string_view user_id, std::string_view auth_method,
                         const ClientInfo& client);
  RefreshResult refresh(std::string_view refresh_token);
  // The session of a verified access token, if it is still live (not revoked, not expired).
  std::optional<SessionRow> live_session(std::string_view session_id);
  std::vector<SessionRow> list_sessions(std::string_view user_id);
  bool revoke(std::string_view user_id, std::string_view session_id, std::string_view reason);
  std::int64_t revoke_all(std::string_view user_id, std::string_view reason,
                          std::string_view except_session = {});

  void revoke_sessions(std::string_view user_id, std::string_view reason,
                       std::string_view keep) override {
    revoke_all(user_id, reason, keep);
  }

  std::string issue_ticket(const TicketSubject& subject);
  std::optional<TicketSubject> redeem_ticket(std::string_view ticket);

  // Verifies an access token (signature, claims, typ "access"); throws Error unauthorized.
  [[nodiscard]] std::pair<std::string, std::string> verify_access(std::string_view token) const;

 private:
  TokenPair issue(std::string_view user_id, std::string_view session_id, store::Database& tx);

  store::Database& db_;
  const crypto::JwtKeyRing& keys_;
  TokenSettings settings_;
};

std::string session_json(const SessionRow& session, std::string_view current_session);
std::string token_pair_json(const TokenPair& pair);

}  // namespace dokkerr::auth
