#pragma once
// Server-side sessions: short-lived JWT access tokens bound to a session, opaque rotating
// refresh tokens (single use; a reused one revokes the whole session), and the caller's own
// list of sessions. Implements users::SessionRevoker, so the users services can end the
// sessions of an account whose role changed.
#include "auth/session_store.hpp"
#include "core/audit_trail.hpp"
#include "core/principal.hpp"
#include "users/session_revoker.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dokkerr {
class BlockingPool;
class Clock;
}  // namespace dokkerr
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
  // refreshing at once) gets a fresh pair instead of revoking the session
  // (--refresh-reuse-interval).
  std::int64_t refresh_grace_seconds = 10;
  std::int64_t ws_ticket_ttl_seconds = 30;
};

struct TokenPair {
  std::string access_token, refresh_token, session_id;
  std::int64_t expires_in = 0;
};

struct RefreshResult {
  RefreshOutcome outcome = RefreshOutcome::invalid;
  std::optional<TokenPair> tokens;  // for rotated and grace_reissue
  std::string session_id, user_id;  // when the token was known
};

class SessionService final : public users::SessionRevoker {
 public:
  using Caller = std::shared_ptr<const Principal>;

  SessionService(SessionStore& store, const crypto::JwtKeyRing& keys, TokenSettings settings,
                 const Clock& clock, BlockingPool& pool)
      : store_(store), keys_(keys), settings_(std::move(settings)), clock_(clock), pool_(pool) {}

  [[nodiscard]] const TokenSettings& settings() const { return settings_; }

  // Blocking (for sign-in and the authenticator, inside their own trip to the pool).
  TokenPair open(std::string_view user_id, std::string_view auth_method, const ClientInfo& client);
  RefreshResult refresh(std::string_view refresh_token);
  // The live session of an access token. Error unauthorized: invalid_token or token_expired for
  // the token itself, session_revoked when its session ended.
  SessionRecord session_of(std::string_view access_token);
  // session_of, with the instant the token itself expires (its exp claim, Unix seconds).
  std::pair<SessionRecord, std::int64_t> verified_session(std::string_view access_token);
  std::optional<SessionRecord> live(std::string_view session_id);
  std::int64_t revoke_all(std::string_view user_id, std::string_view reason,
                          std::string_view keep = {});
  bool revoke(std::string_view user_id, std::string_view session_id, std::string_view reason);
  void revoke_sessions(std::string_view user_id, std::string_view reason,
                       std::string_view keep) override;

  // The caller's own sessions (an API key has none to list as its own; the routes refuse keys
  // where they would end one).
  boost::asio::awaitable<std::vector<SessionRecord>> list_mine(Caller caller);
  boost::asio::awaitable<void> end_mine(Caller caller, std::string session_id);  // 404
  boost::asio::awaitable<void> end_all_mine(Caller caller);

 private:
  std::string access_token(std::string_view user_id, std::string_view session_id) const;
  // A refresh token: what the client gets, and what the store keeps of it.
  std::pair<std::string, RefreshTokenRecord> new_refresh_token(std::string_view session_id) const;
  TokenPair pair_of(std::string_view user_id, std::string_view session_id,
                    std::string refresh_token) const;

  SessionStore& store_;
  const crypto::JwtKeyRing& keys_;
  TokenSettings settings_;
  const Clock& clock_;
  BlockingPool& pool_;
};

}  // namespace dokkerr::auth
