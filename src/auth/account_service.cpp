#include "auth/account_service.hpp"

#include "auth/auth_service.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "crypto/primitives.hpp"
#include "crypto/secret_box.hpp"
#include "crypto/totp.hpp"
#include "store/database.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <optional>

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;
using boost::json::array;
using boost::json::object;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string mfa_context(std::string_view user_id) { return "mfa:" + std::string(user_id); }

Error invalid_code() {
  return {ErrorKind::unauthorized, "invalid_mfa_code", "The two-factor code is wrong or used."};
}

constexpr std::size_t kMaxKeysPerUser = 100;

// An RFC 3339 time (YYYY-MM-DDTHH:MM:SS[.fraction] with Z or ±HH:MM) as the server stores
// times: UTC with milliseconds, so that comparing stamps as strings compares the instants.
// nullopt when the text is not such a time or falls outside the years 1970–9999.
std::optional<std::string> utc_stamp(std::string_view text) {
  using namespace std::chrono;
  auto number = [&](std::size_t pos, std::size_t width) -> std::optional<int> {
    if (pos + width > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  if (text.size() < 20 || text.size() > 40 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const auto y = number(0, 4), mo = number(5, 2), d = number(8, 2);
  const auto h = number(11, 2), mi = number(14, 2), s = number(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;
  std::size_t pos = 19;
  int millis = 0;
  if (text[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (pos - start < 3) millis = millis * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start || pos - start > 9) return std::nullopt;
    for (std::size_t digits = pos - start; digits < 3; ++digits) millis *= 10;
  }
  int offset = 0;  // minutes east of UTC; 0 for 'Z'
  if (pos + 1 != text.size() || text[pos] != 'Z') {
    if (pos + 6 != text.size() || (text[pos] != '+' && text[pos] != '-') || text[pos + 3] != ':') {
      return std::nullopt;
    }
    const auto oh = number(pos + 1, 2), om = number(pos + 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset = (text[pos] == '-' ? -1 : 1) * (*oh * 60 + *om);
  }
  const sys_time<milliseconds> utc =
      sys_days{date} + hours{*h} + minutes{*mi - offset} + seconds{*s} + milliseconds{millis};
  const auto day_point = floor<days>(utc);
  const year_month_day utc_date{day_point};
  if (utc_date.year() < year{1970} || utc_date.year() > year{9999}) return std::nullopt;
  const hh_mm_ss clock_time{utc - day_point};
  std::array<char, 32> buffer{};
  const int n = std::snprintf(
      buffer.data(), buffer.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
      static_cast<int>(utc_date.year()), static_cast<unsigned>(utc_date.month()),
      static_cast<unsigned>(utc_date.day()), static_cast<int>(clock_time.hours().count()),
      static_cast<int>(clock_time.minutes().count()),
      static_cast<int>(clock_time.seconds().count()),
      static_cast<int>(clock_time.subseconds().count()));
  return std::string(buffer.data(), static_cast<std::size_t>(n > 0 ? n : 0));
}

}  // namespace

bool AccountService::consume_code(const User& user, std::string_view code) {
  if (!user.mfa_secret) return false;
  const auto secret = secrets_.open(*user.mfa_secret, mfa_context(user.id));
  const auto step = crypto::verify_totp(secret, code, unix_now(), user.mfa_last_step);
  return step && identity_.advance_mfa_step(user.id, *step);
}

asio::awaitable<std::string> AccountService::enroll_totp(Caller caller) {
  auto enroll = [&] {
    auto user = identity_.find_user(caller->user_id);
    if (!user) throw Error::not_found("user_not_found", "No such user.");
    if (user->mfa_enabled) {
      throw Error::conflict("mfa_enabled", "Two-factor sign-in is on; disable it to enrol again.");
    }
    const auto secret = crypto::new_totp_secret();
    identity_.set_mfa(user->id, false, secrets_.seal(secret, mfa_context(user->id)));
    return boost::json::serialize(
        object{{"secret", crypto::base32_encode(secret)},
               {"otpauth_uri", crypto::otpauth_uri(issuer_label_, user->username, secret)}});
  };
  co_return co_await pool_.run(enroll);
}

asio::awaitable<std::string> AccountService::confirm_totp(Caller caller, std::string code,
                                                          ClientInfo client) {
  auto confirm = [&]() -> std::optional<std::string> {
    auto user = identity_.find_user(caller->user_id);
    if (!user || !user->mfa_secret) {
      throw Error::conflict("mfa_not_enrolled", "Enrol first (POST /api/v1/me/mfa/totp).");
    }
    if (user->mfa_enabled) throw Error::conflict("mfa_enabled", "Two-factor sign-in is already on.");
    if (!consume_code(*user, code)) return std::nullopt;
    const auto codes = crypto::new_recovery_codes(10);
    db_.transaction([&](store::Database& tx) {
      tx.execute("UPDATE users SET mfa_enabled = 1 WHERE id = ?", {user->id});
      tx.execute("DELETE FROM recovery_codes WHERE user_id = ?", {user->id});
      for (const auto& c : codes) {
        tx.execute("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)",
                   {user->id, crypto::recovery_code_hash(c)});
      }
    });
    array list;
    for (const auto& c : codes) list.emplace_back(c);
    return boost::json::serialize(object{{"recovery_codes", list}});
  };
  auto result = co_await pool_.run(confirm);
  AuditRecord record;
  record.action = "users.mfa_enable";
  record.result = result ? "success" : "failure";
  record.client = client;
  set_actor(record, *caller);
  co_await audit_.record(std::move(record));
  if (!result) throw invalid_code();
  co_return *result;
}

asio::awaitable<void> AccountService::disable_totp(Caller caller, std::string password,
                                                   std::string code, ClientInfo client) {
  const bool password_ok = co_await auth_.check_password(caller->user_id, password);
  auto disable = [&] {
    auto user = identity_.find_user(caller->user_id);
    if (!user || !user->mfa_enabled) throw Error::conflict("mfa_not_enabled", "Two-factor sign-in is off.");
    if (!password_ok || !consume_code(*user, code)) return false;
    identity_.set_mfa(user->id, false, std::nullopt);
    db_.execute("DELETE FROM recovery_codes WHERE user_id = ?", {user->id});
    return true;
  };
  const bool disabled = co_await pool_.run(disable);
  AuditRecord record;
  record.action = "users.mfa_disable";
  record.result = disabled ? "success" : "failure";
  record.client = client;
  set_actor(record, *caller);
  co_await audit_.record(std::move(record));
  if (!disabled) {
    throw Error(ErrorKind::forbidden, "invalid_credentials", "The password or the code is wrong.");
  }
}

asio::awaitable<std::string> AccountService::create_api_key(Caller caller, object body) {
  json::only_fields(body, {"name", "scopes", "expires_at", "team_id"});
  if (!caller->api_key_id.empty()) {
    throw Error(ErrorKind::forbidden, "permission_denied", "API keys cannot create API keys.");
  }
  const auto name = json::required_string(body, "name");
  if (name.empty() || name.size() > 128) throw Error::invalid("invalid_body", "name is 1–128 bytes.");
  const auto* scopes = json::optional_array(body, "scopes");
  if (scopes == nullptr || scopes->empty() || scopes->size() > 64) {
    throw Error::invalid("invalid_body", "scopes is a list of 1–64 permission strings.");
  }
  PermissionSet granted;
  for (const auto& scope : *scopes) {
    if (!scope.is_string() || !perm::is_known_permission(scope.as_string())) {
      throw Error::invalid("invalid_scope", "Unknown permission in scopes: " +
                                                (scope.is_string() ? std::string(scope.as_string()) : "non-string"));
    }
    granted.insert(std::string(scope.as_string()));
  }
  const auto team = json::optional_string(body, "team_id");
  for (const auto& scope : granted) {
    // A key narrows its owner: it can never hold what the owner does not hold right now.
    const bool held = team ? caller->has_in_team(*team, scope) : caller->has(scope);
    if (!held) {
      throw Error(ErrorKind::forbidden, "scope_exceeds_permissions",
                  "You do not hold " + scope + (team ? " in that team." : "."));
    }
  }
  if (team && !caller->is_admin && !caller->team_permissions.contains(*team)) {
    throw Error::not_found("team_not_found", "No such team.");
  }
  std::optional<std::string> expires_at;
  if (const auto text = json::optional_string(body, "expires_at")) {
    // Stored in the server's own form: the expiry check compares stamps as strings.
    expires_at = utc_stamp(*text);
    if (!expires_at || *expires_at <= now_rfc3339()) {
      throw Error::invalid(
          "invalid_body",
          "expires_at is an RFC 3339 time in the future (e.g. 2030-01-01T00:00:00.000Z).");
    }
  }
  const auto key = "dk_" + crypto::base64url_encode(crypto::random_bytes(32));
  const auto id = random_hex(12);
  const auto now = now_rfc3339();
  array scope_list;
  for (const auto& s : granted) scope_list.emplace_back(s);
  auto insert = [&] {
    const auto count = db_.query("SELECT COUNT(*) FROM api_keys WHERE user_id = ? AND revoked_at IS NULL",
                                 {caller->user_id});
    if (count.front().integer(0) >= static_cast<std::int64_t>(kMaxKeysPerUser)) {
      throw Error::conflict("too_many_api_keys", "Revoke a key first (100 at most).");
    }
    db_.execute(
        "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, team_id, created_at, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {id, caller->user_id, name, key.substr(0, 10), crypto::sha256_hex(key),
         boost::json::serialize(scope_list), team ? store::Value(*team) : store::Value(nullptr), now,
         expires_at ? store::Value(*expires_at) : store::Value(nullptr)});
  };
  co_await pool_.run(insert);
  object out{{"id", id},         {"name", name},       {"key", key},
             {"prefix", key.substr(0, 10)}, {"scopes", scope_list}, {"created_at", now}};
  out["team_id"] = team ? boost::json::value(*team) : boost::json::value(nullptr);
  out["expires_at"] = expires_at ? boost::json::value(*expires_at) : boost::json::value(nullptr);
  co_return boost::json::serialize(out);
}

asio::awaitable<std::string> AccountService::list_api_keys(Caller caller) {
  auto list = [&] {
    array items;
    for (const auto& row : db_.query(
             "SELECT id, name, prefix, scopes, team_id, created_at, expires_at, last_used_at, "
             "revoked_at FROM api_keys WHERE user_id = ? ORDER BY created_at DESC",
             {caller->user_id})) {
      object key{{"id", row.text(0)},
                 {"name", row.text(1)},
                 {"prefix", row.text(2)},
                 {"scopes", boost::json::parse(row.text(3))},
                 {"created_at", row.text(5)}};
      auto optional = [&](std::size_t i) {
        return row.is_null(i) ? boost::json::value(nullptr) : boost::json::value(row.text(i));
      };
      key["team_id"] = optional(4);
      key["expires_at"] = optional(6);
      key["last_used_at"] = optional(7);
      key["revoked_at"] = optional(8);
      items.emplace_back(std::move(key));
    }
    return boost::json::serialize(object{{"items", items}, {"next_cursor", nullptr}});
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<void> AccountService::revoke_api_key(Caller caller, std::string id) {
  auto revoke = [&] {
    return db_.execute(
        "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
        {now_rfc3339(), id, caller->user_id});
  };
  if (co_await pool_.run(revoke) != 1) {
    throw Error::not_found("api_key_not_found", "No such API key.");
  }
}

}  // namespace dokkerr::auth
