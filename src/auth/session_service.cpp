#include "auth/session_service.hpp"

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "crypto/jwt.hpp"
#include "crypto/primitives.hpp"
#include "store/database.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::auth {
namespace {

using Clock = std::chrono::system_clock;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
}

std::string stamp_in(std::int64_t seconds) {
  return format_rfc3339(Clock::now() + std::chrono::seconds(seconds));
}

std::string token_hash(std::string_view token) { return crypto::sha256_hex(token); }

// Opaque secrets: a recognizable prefix (so leaked tokens can be found by scanners) and 256
// random bits.
std::string new_secret(std::string_view prefix) {
  return std::string(prefix) + crypto::base64url_encode(crypto::random_bytes(32));
}

SessionRow session_from(const store::Row& row) {
  return SessionRow{row.text(0), row.text(1), row.text(2), row.text(3),
                    row.text(4), row.text(5), row.text(6), row.text(7),
                    row.optional_text(8), row.optional_text(9)};
}

constexpr std::string_view kSessionColumns =
    "id, user_id, auth_method, client_address, user_agent, created_at, last_used_at, expires_at, "
    "revoked_at, revoke_reason";

}  // namespace

TokenPair SessionService::issue(std::string_view user_id, std::string_view session_id,
                                store::Database& tx) {
  const auto now = unix_now();
  crypto::JwtClaims claims;
  claims.iss = settings_.issuer;
  claims.aud = settings_.audience;
  claims.sub = std::string(user_id);
  claims.sid = std::string(session_id);
  claims.typ = "access";
  claims.iat = now;
  claims.exp = now + settings_.access_ttl_seconds;
  TokenPair pair;
  pair.access_token = keys_.sign(claims);
  pair.refresh_token = new_secret("dkr_");
  pair.session_id = std::string(session_id);
  pair.expires_in = settings_.access_ttl_seconds;
  tx.execute(
      "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
      {token_hash(pair.refresh_token), std::string(session_id), now_rfc3339(),
       stamp_in(settings_.refresh_ttl_seconds)});
  return pair;
}

TokenPair SessionService::open_session(std::string_view user_id, std::string_view auth_method,
                                       const ClientInfo& client) {
  TokenPair pair;
  const auto session_id = random_hex(16);
  db_.transaction([&](store::Database& tx) {
    const auto now = now_rfc3339();
    tx.execute(
        "INSERT INTO sessions (id, user_id, auth_method, client_address, user_agent, created_at, "
        "last_used_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {session_id, std::string(user_id), std::string(auth_method), client.remote_address,
         client.user_agent.substr(0, 256), now, now, stamp_in(settings_.session_ttl_seconds)});
    pair = issue(user_id, session_id, tx);
  });
  return pair;
}

RefreshResult SessionService::refresh(std::string_view refresh_token) {
  RefreshResult result;
  if (refresh_token.size() > 128 || !refresh_token.starts_with("dkr_")) return result;
  const auto hash = token_hash(refresh_token);
  db_.transaction([&](store::Database& tx) {
    const auto rows = tx.query(
        "SELECT r.session_id, r.expires_at, r.used_at, s.user_id, s.revoked_at, s.expires_at "
        "FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE r.token_hash = ?",
        {hash});
    if (rows.empty()) return;
    const auto& row = rows.front();
    const auto now = now_rfc3339();
    result.session_id = row.text(0);
    result.user_id = row.text(3);
    if (!row.is_null(4) || row.text(5) <= now || row.text(1) <= now) return;  // invalid
    if (row.is_null(2)) {
      // Claim the token with a conditional UPDATE: of two concurrent refreshes exactly one
      // rotates; the other sees it used (and falls into the grace window below).
      if (tx.execute("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                     {now, hash}) == 1) {
        result.tokens = issue(result.user_id, result.session_id, tx);
        tx.execute("UPDATE sessions SET last_used_at = ? WHERE id = ?", {now, result.session_id});
        result.outcome = RefreshOutcome::rotated;
        return;
      }
    }
    const auto used = tx.query("SELECT used_at FROM refresh_tokens WHERE token_hash = ?", {hash});
    const auto used_at = used.empty() ? std::string() : used.front().text(0);
    const auto grace_edge = format_rfc3339(Clock::now() - std::chrono::seconds(settings_.refresh_grace_seconds));
    if (!used_at.empty() && used_at >= grace_edge) {
      result.tokens = issue(result.user_id, result.session_id, tx);
      result.outcome = RefreshOutcome::grace_reissue;
      return;
    }
    // A used token came back: someone holds a copy. End the whole family (the session).
    tx.execute(
        "UPDATE sessions SET revoked_at = ?, revoke_reason = 'refresh_token_reuse' WHERE id = ? "
        "AND revoked_at IS NULL",
        {now, result.session_id});
    result.outcome = RefreshOutcome::reuse_detected;
  });
  return result;
}

std::optional<SessionRow> SessionService::live_session(std::string_view session_id) {
  const auto rows = db_.query("SELECT " + std::string(kSessionColumns) +
                                  " FROM sessions WHERE id = ? AND revoked_at IS NULL AND expires_at > ?",
                              {std::string(session_id), now_rfc3339()});
  if (rows.empty()) return std::nullopt;
  return session_from(rows.front());
}

std::vector<SessionRow> SessionService::list_sessions(std::string_view user_id) {
  std::vector<SessionRow> sessions;
  for (const auto& row :
       db_.query("SELECT " + std::string(kSessionColumns) +
                     " FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? "
                     "ORDER BY created_at DESC LIMIT 200",
                 {std::string(user_id), now_rfc3339()})) {
    sessions.push_back(session_from(row));
  }
  return sessions;
}

bool SessionService::revoke(std::string_view user_id, std::string_view session_id,
                            std::string_view reason) {
  return db_.execute(
             "UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND user_id = ? "
             "AND revoked_at IS NULL",
             {now_rfc3339(), std::string(reason), std::string(session_id), std::string(user_id)}) == 1;
}

std::int64_t SessionService::revoke_all(std::string_view user_id, std::string_view reason,
                                        std::string_view except_session) {
  return db_.execute(
      "UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE user_id = ? AND id <> ? AND "
      "revoked_at IS NULL",
      {now_rfc3339(), std::string(reason), std::string(user_id), std::string(except_session)});
}

std::string SessionService::issue_ticket(const TicketSubject& subject) {
  const auto ticket = new_secret("dkw_");
  const boost::json::object principal{{"user_id", subject.user_id},
                                      {"session_id", subject.session_id},
                                      {"api_key_id", subject.api_key_id}};
  // Expired tickets of anyone are swept here, so the table stays small without a timer.
  db_.execute("DELETE FROM ws_tickets WHERE expires_at <= ?", {now_rfc3339()});
  db_.execute("INSERT INTO ws_tickets (ticket_hash, principal, expires_at) VALUES (?, ?, ?)",
              {token_hash(ticket), boost::json::serialize(principal),
               stamp_in(settings_.ws_ticket_ttl_seconds)});
  return ticket;
}

std::optional<TicketSubject> SessionService::redeem_ticket(std::string_view ticket) {
  if (ticket.size() > 128 || !ticket.starts_with("dkw_")) return std::nullopt;
  std::optional<TicketSubject> subject;
  const auto hash = token_hash(ticket);
  db_.transaction([&](store::Database& tx) {
    const auto rows = tx.query(
        "SELECT principal FROM ws_tickets WHERE ticket_hash = ? AND expires_at > ?",
        {hash, now_rfc3339()});
    // Deleting is the redemption: only the caller whose DELETE removed the row may use it.
    if (rows.empty() || tx.execute("DELETE FROM ws_tickets WHERE ticket_hash = ?", {hash}) != 1) {
      return;
    }
    const auto value = boost::json::parse(rows.front().text(0));
    const auto& object = value.as_object();
    subject = TicketSubject{std::string(object.at("user_id").as_string()),
                            std::string(object.at("session_id").as_string()),
                            std::string(object.at("api_key_id").as_string())};
  });
  return subject;
}

std::pair<std::string, std::string> SessionService::verify_access(std::string_view token) const {
  crypto::JwtExpectations expect;
  expect.issuer = settings_.issuer;
  expect.audience = settings_.audience;
  expect.type = "access";
  expect.now = unix_now();
  const auto claims = keys_.verify(token, expect);
  return {claims.sub, claims.sid};
}

std::string session_json(const SessionRow& session, std::string_view current_session) {
  return boost::json::serialize(boost::json::object{
      {"id", session.id},
      {"auth_method", session.auth_method},
      {"client_address", session.client_address},
      {"user_agent", session.user_agent},
      {"created_at", session.created_at},
      {"last_used_at", session.last_used_at},
      {"expires_at", session.expires_at},
      {"current", session.id == current_session},
  });
}

std::string token_pair_json(const TokenPair& pair) {
  return boost::json::serialize(boost::json::object{{"access_token", pair.access_token},
                                                    {"refresh_token", pair.refresh_token},
                                                    {"token_type", "Bearer"},
                                                    {"expires_in", pair.expires_in}});
}

}  // namespace dokkerr::auth
