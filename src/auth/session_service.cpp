#include "auth/session_service.hpp"

#include "auth/errors.hpp"
#include "auth/opaque_secret.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "crypto/jwt.hpp"

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;

constexpr std::size_t kMaxListedSessions = 200;
constexpr std::size_t kMaxUserAgentBytes = 256;

}  // namespace

std::string SessionService::access_token(std::string_view user_id,
                                         std::string_view session_id) const {
  const auto now = clock_.unix_seconds();
  crypto::JwtClaims claims;
  claims.iss = settings_.issuer;
  claims.aud = settings_.audience;
  claims.sub = std::string(user_id);
  claims.sid = std::string(session_id);
  claims.typ = "access";
  claims.iat = now;
  claims.exp = now + settings_.access_ttl_seconds;
  return keys_.sign(claims);
}

std::pair<std::string, RefreshTokenRecord> SessionService::new_refresh_token(
    std::string_view session_id) const {
  auto secret = new_secret(kRefreshTokenPrefix);
  RefreshTokenRecord stored{secret_hash(secret), std::string(session_id), clock_.stamp(),
                            clock_.stamp_in(std::chrono::seconds(settings_.refresh_ttl_seconds))};
  return {std::move(secret), std::move(stored)};
}

TokenPair SessionService::pair_of(std::string_view user_id, std::string_view session_id,
                                  std::string refresh_token) const {
  return TokenPair{access_token(user_id, session_id), std::move(refresh_token),
                   std::string(session_id), settings_.access_ttl_seconds};
}

TokenPair SessionService::open(std::string_view user_id, std::string_view auth_method,
                               const ClientInfo& client) {
  SessionRecord session;
  session.id = random_hex(16);
  session.user_id = std::string(user_id);
  session.auth_method = std::string(auth_method);
  session.client_address = client.remote_address;
  session.user_agent = client.user_agent.substr(0, kMaxUserAgentBytes);
  session.created_at = session.last_used_at = clock_.stamp();
  session.expires_at = clock_.stamp_in(std::chrono::seconds(settings_.session_ttl_seconds));
  auto [refresh_token, stored] = new_refresh_token(session.id);
  store_.open(session, stored);
  return pair_of(user_id, session.id, std::move(refresh_token));
}

RefreshResult SessionService::refresh(std::string_view refresh_token) {
  RefreshResult result;
  if (!looks_like(refresh_token, kRefreshTokenPrefix)) return result;
  // The successor is made before we know whether it is needed: the store decides inside its
  // transaction, and fills in the session it belongs to.
  auto [successor, stored] = new_refresh_token("");
  // With no window at all, even a repeat within the same millisecond revokes: "~" sorts after
  // every timestamp, so no first use is ever at or after it.
  const auto grace_edge =
      settings_.refresh_grace_seconds > 0
          ? clock_.stamp_in(-std::chrono::seconds(settings_.refresh_grace_seconds))
          : std::string("~");
  const auto claim = store_.claim(secret_hash(refresh_token), grace_edge, stored);
  result.outcome = claim.outcome;
  result.session_id = claim.session_id;
  result.user_id = claim.user_id;
  if (claim.outcome == RefreshOutcome::rotated || claim.outcome == RefreshOutcome::grace_reissue) {
    result.tokens = pair_of(claim.user_id, claim.session_id, std::move(successor));
  }
  return result;
}

SessionRecord SessionService::session_of(std::string_view access_token) {
  return verified_session(access_token).first;
}

std::pair<SessionRecord, std::int64_t> SessionService::verified_session(
    std::string_view access_token) {
  crypto::JwtExpectations expect;
  expect.issuer = settings_.issuer;
  expect.audience = settings_.audience;
  expect.type = "access";
  expect.now = clock_.unix_seconds();
  const auto claims = keys_.verify(access_token, expect);
  auto session = store_.find_live(claims.sid);
  if (!session || session->user_id != claims.sub) throw session_revoked();
  return {std::move(*session), claims.exp};
}

std::optional<SessionRecord> SessionService::live(std::string_view session_id) {
  return store_.find_live(session_id);
}

std::int64_t SessionService::revoke_all(std::string_view user_id, std::string_view reason,
                                        std::string_view keep) {
  return store_.revoke_all(user_id, reason, keep);
}

bool SessionService::revoke(std::string_view user_id, std::string_view session_id,
                            std::string_view reason) {
  return store_.revoke(user_id, session_id, reason);
}

void SessionService::revoke_sessions(std::string_view user_id, std::string_view reason,
                                     std::string_view keep) {
  revoke_all(user_id, reason, keep);
}

asio::awaitable<std::vector<SessionRecord>> SessionService::list_mine(Caller caller) {
  auto list = [&] { return store_.list_live(caller->user_id, kMaxListedSessions); };
  co_return co_await pool_.run(list);
}

asio::awaitable<void> SessionService::end_mine(Caller caller, std::string session_id) {
  auto revoke = [&] { return store_.revoke(caller->user_id, session_id, "revoked"); };
  const bool ended = co_await pool_.run(revoke);
  if (!ended) throw Error::not_found("session_not_found", "No such session.");
}

asio::awaitable<void> SessionService::end_all_mine(Caller caller) {
  auto revoke = [&] { return store_.revoke_all(caller->user_id, "revoked", ""); };
  co_await pool_.run(revoke);
}

}  // namespace dokkerr::auth
