#pragma once
// In-memory stand-ins for auth's stores, the settings, the audit trail and the OpenID provider,
// behaving like their SQL counterparts (sql_*_store_test.cpp pins those down).
#include "auth/api_key_store.hpp"
#include "auth/mfa_store.hpp"
#include "auth/oidc_provider_client.hpp"
#include "auth/oidc_store.hpp"
#include "auth/session_store.hpp"
#include "auth/throttle_store.hpp"
#include "auth/ticket_store.hpp"
#include "core/audit_trail.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "store/settings_store.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dokkerr::auth::testing {

class FakeSessionStore final : public SessionStore {
 public:
  struct Token {
    RefreshTokenRecord record;
    std::optional<std::string> used_at;
  };
  explicit FakeSessionStore(const Clock& clock) : clock_(clock) {}

  void open(const SessionRecord& session, const RefreshTokenRecord& first) override {
    const std::lock_guard lock(mutex_);
    sessions[session.id] = session;
    tokens[first.token_hash] = Token{first, std::nullopt};
  }
  RefreshClaim claim(std::string_view token_hash, std::string_view grace_edge,
                     RefreshTokenRecord successor) override {
    const std::lock_guard lock(mutex_);
    RefreshClaim result;
    const auto found = tokens.find(std::string(token_hash));
    if (found == tokens.end()) return result;
    auto& token = found->second;
    auto& session = sessions.at(token.record.session_id);
    const auto now = clock_.stamp();
    result.session_id = session.id;
    result.user_id = session.user_id;
    if (session.revoked_at || session.expires_at <= now || token.record.expires_at <= now) {
      return result;
    }
    successor.session_id = session.id;
    if (!token.used_at) {
      token.used_at = now;
      tokens[successor.token_hash] = Token{successor, std::nullopt};
      session.last_used_at = now;
      result.outcome = RefreshOutcome::rotated;
      return result;
    }
    if (*token.used_at >= grace_edge) {
      tokens[successor.token_hash] = Token{successor, std::nullopt};
      result.outcome = RefreshOutcome::grace_reissue;
      return result;
    }
    session.revoked_at = now;
    session.revoke_reason = "refresh_token_reuse";
    result.outcome = RefreshOutcome::reuse_detected;
    return result;
  }
  std::optional<SessionRecord> find_live(std::string_view id) override {
    const std::lock_guard lock(mutex_);
    const auto found = sessions.find(std::string(id));
    if (found == sessions.end() || !live(found->second)) return std::nullopt;
    return found->second;
  }
  std::vector<SessionRecord> list_live(std::string_view user_id, std::size_t limit) override {
    const std::lock_guard lock(mutex_);
    std::vector<SessionRecord> out;
    for (const auto& [id, session] : sessions) {
      if (session.user_id == user_id && live(session)) out.push_back(session);
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.created_at > b.created_at; });
    if (out.size() > limit) out.resize(limit);
    return out;
  }
  bool revoke(std::string_view user_id, std::string_view session_id,
              std::string_view reason) override {
    const std::lock_guard lock(mutex_);
    const auto found = sessions.find(std::string(session_id));
    if (found == sessions.end() || found->second.user_id != user_id || found->second.revoked_at) {
      return false;
    }
    found->second.revoked_at = clock_.stamp();
    found->second.revoke_reason = std::string(reason);
    return true;
  }
  std::int64_t revoke_all(std::string_view user_id, std::string_view reason,
                          std::string_view except) override {
    const std::lock_guard lock(mutex_);
    std::int64_t count = 0;
    for (auto& [id, session] : sessions) {
      if (session.user_id != user_id || id == except || session.revoked_at) continue;
      session.revoked_at = clock_.stamp();
      session.revoke_reason = std::string(reason);
      ++count;
    }
    return count;
  }

  std::map<std::string, SessionRecord> sessions;
  std::map<std::string, Token> tokens;

 private:
  bool live(const SessionRecord& session) const {
    return !session.revoked_at && session.expires_at > clock_.stamp();
  }
  std::mutex mutex_;
  const Clock& clock_;
};

class FakeTicketStore final : public TicketStore {
 public:
  explicit FakeTicketStore(const Clock& clock) : clock_(clock) {}
  void insert(std::string_view ticket_hash, const TicketSubject& subject,
              std::string_view expires_at) override {
    const std::lock_guard lock(mutex_);
    std::erase_if(tickets, [&](const auto& e) { return e.second.second <= clock_.stamp(); });
    tickets[std::string(ticket_hash)] = {subject, std::string(expires_at)};
  }
  std::optional<TicketSubject> redeem(std::string_view ticket_hash) override {
    const std::lock_guard lock(mutex_);
    const auto found = tickets.find(std::string(ticket_hash));
    if (found == tickets.end() || found->second.second <= clock_.stamp()) return std::nullopt;
    auto subject = found->second.first;
    tickets.erase(found);
    return subject;
  }
  std::map<std::string, std::pair<TicketSubject, std::string>> tickets;

 private:
  std::mutex mutex_;
  const Clock& clock_;
};

class FakeThrottleStore final : public ThrottleStore {
 public:
  std::optional<ThrottleRecord> find(std::string_view key) override {
    const std::lock_guard lock(mutex_);
    const auto found = records.find(std::string(key));
    if (found == records.end()) return std::nullopt;
    return found->second;
  }
  ThrottleRecord update(
      std::string_view key,
      const std::function<ThrottleRecord(const std::optional<ThrottleRecord>&)>& next) override {
    const std::lock_guard lock(mutex_);
    const auto found = records.find(std::string(key));
    std::optional<ThrottleRecord> current;
    if (found != records.end()) current = found->second;
    return records[std::string(key)] = next(current);
  }
  void clear(std::string_view key) override {
    const std::lock_guard lock(mutex_);
    records.erase(std::string(key));
  }
  std::map<std::string, ThrottleRecord> records;

 private:
  std::mutex mutex_;
};

class FakeApiKeyStore final : public ApiKeyStore {
 public:
  explicit FakeApiKeyStore(const Clock& clock) : clock_(clock) {}
  bool insert_within_limit(const ApiKeyRecord& key, std::size_t limit) override {
    const std::lock_guard lock(mutex_);
    const auto live = std::count_if(keys.begin(), keys.end(), [&](const ApiKeyRecord& k) {
      return k.user_id == key.user_id && !k.revoked_at;
    });
    if (static_cast<std::size_t>(live) >= limit) return false;
    keys.push_back(key);
    return true;
  }
  std::vector<ApiKeyRecord> list_for_user(std::string_view user_id) override {
    const std::lock_guard lock(mutex_);
    std::vector<ApiKeyRecord> out;
    for (const auto& key : keys) {
      if (key.user_id == user_id) out.push_back(key);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.created_at > b.created_at; });
    return out;
  }
  std::optional<ApiKeyRecord> find_by_hash(std::string_view key_hash) override {
    return find_if([&](const ApiKeyRecord& k) { return k.key_hash == key_hash; });
  }
  std::optional<ApiKeyRecord> find(std::string_view id) override {
    return find_if([&](const ApiKeyRecord& k) { return k.id == id; });
  }
  bool revoke(std::string_view id, std::string_view user_id) override {
    const std::lock_guard lock(mutex_);
    for (auto& key : keys) {
      if (key.id == id && key.user_id == user_id && !key.revoked_at) {
        key.revoked_at = clock_.stamp();
        return true;
      }
    }
    return false;
  }
  void touch(std::string_view id) override {
    const std::lock_guard lock(mutex_);
    ++touches;
    for (auto& key : keys) {
      if (key.id == id) key.last_used_at = clock_.stamp();
    }
  }
  std::vector<ApiKeyRecord> keys;
  int touches = 0;

 private:
  template <typename Pred>
  std::optional<ApiKeyRecord> find_if(Pred pred) {
    const std::lock_guard lock(mutex_);
    const auto found = std::find_if(keys.begin(), keys.end(), pred);
    if (found == keys.end()) return std::nullopt;
    return *found;
  }
  std::mutex mutex_;
  const Clock& clock_;
};

class FakeMfaStore final : public MfaStore {
 public:
  explicit FakeMfaStore(const Clock& clock) : clock_(clock) {}
  void replace_recovery_codes(std::string_view user_id,
                              const std::vector<std::string>& code_hashes) override {
    const std::lock_guard lock(mutex_);
    auto& mine = codes[std::string(user_id)];
    mine.clear();
    for (const auto& hash : code_hashes) mine[hash] = std::nullopt;
  }
  bool use_recovery_code(std::string_view user_id, std::string_view code_hash) override {
    const std::lock_guard lock(mutex_);
    auto& mine = codes[std::string(user_id)];
    const auto found = mine.find(std::string(code_hash));
    if (found == mine.end() || found->second) return false;
    found->second = clock_.stamp();
    return true;
  }
  void remove_recovery_codes(std::string_view user_id) override {
    const std::lock_guard lock(mutex_);
    codes.erase(std::string(user_id));
  }
  // user → code hash → used_at
  std::map<std::string, std::map<std::string, std::optional<std::string>>> codes;

 private:
  std::mutex mutex_;
  const Clock& clock_;
};

class FakeOidcStore final : public OidcStore {
 public:
  explicit FakeOidcStore(const Clock& clock) : clock_(clock) {}
  void insert_provider(const OidcProviderRecord& provider) override {
    const std::lock_guard lock(mutex_);
    for (const auto& [id, other] : providers) {
      if (other.name == provider.name) {
        throw Error::conflict("oidc_provider_exists", "A sign-in provider with that name exists.");
      }
    }
    providers[provider.id] = provider;
  }
  bool update_provider(const OidcProviderRecord& provider) override {
    const std::lock_guard lock(mutex_);
    const auto found = providers.find(provider.id);
    if (found == providers.end()) return false;
    for (const auto& [id, other] : providers) {
      if (id != provider.id && other.name == provider.name) {
        throw Error::conflict("oidc_provider_exists", "A sign-in provider with that name exists.");
      }
    }
    auto updated = provider;
    updated.created_at = found->second.created_at;
    found->second = std::move(updated);
    return true;
  }
  std::optional<OidcProviderRecord> find_provider(std::string_view id) override {
    const std::lock_guard lock(mutex_);
    const auto found = providers.find(std::string(id));
    if (found == providers.end()) return std::nullopt;
    return found->second;
  }
  std::vector<OidcProviderRecord> list_providers() override {
    const std::lock_guard lock(mutex_);
    std::vector<OidcProviderRecord> out;
    for (const auto& [id, provider] : providers) out.push_back(provider);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
  }
  bool remove_provider(std::string_view id) override {
    const std::lock_guard lock(mutex_);
    std::erase_if(logins, [&](const auto& e) { return e.second.provider_id == id; });
    return providers.erase(std::string(id)) == 1;
  }
  bool insert_login(const PendingLogin& login, std::int64_t max_pending) override {
    const std::lock_guard lock(mutex_);
    std::erase_if(logins, [&](const auto& e) { return e.second.expires_at < clock_.stamp(); });
    if (static_cast<std::int64_t>(logins.size()) >= max_pending) return false;
    logins[login.key] = login;
    return true;
  }
  std::optional<PendingLogin> take_login(std::string_view key) override {
    const std::lock_guard lock(mutex_);
    const auto found = logins.find(std::string(key));
    if (found == logins.end()) return std::nullopt;
    auto login = found->second;
    logins.erase(found);
    return login;
  }
  std::map<std::string, OidcProviderRecord> providers;
  std::map<std::string, PendingLogin> logins;

 private:
  std::mutex mutex_;
  const Clock& clock_;
};

class FakeSettingsStore final : public store::SettingsStore {
 public:
  std::optional<std::string> get(std::string_view key) override {
    const std::lock_guard lock(mutex_);
    ++reads;
    const auto found = values.find(std::string(key));
    if (found == values.end()) return std::nullopt;
    return found->second;
  }
  void set(std::string_view key, std::string_view value) override {
    const std::lock_guard lock(mutex_);
    values[std::string(key)] = std::string(value);
  }
  std::map<std::string, std::string> values;
  int reads = 0;

 private:
  std::mutex mutex_;
};

// Keeps what would have been written to the audit log.
class RecordingAuditTrail final : public AuditTrail {
 public:
  boost::asio::awaitable<void> record(AuditRecord record) override {
    const std::lock_guard lock(mutex_);
    records.push_back(std::move(record));
    co_return;
  }
  std::vector<AuditRecord> with_action(std::string_view action) {
    const std::lock_guard lock(mutex_);
    std::vector<AuditRecord> out;
    for (const auto& r : records) {
      if (r.action == action) out.push_back(r);
    }
    return out;
  }
  std::vector<AuditRecord> records;

 private:
  std::mutex mutex_;
};

// An OpenID provider the test scripts: its metadata, keys and the token endpoint's answer.
class FakeOidcProvider final : public OidcProviderClient {
 public:
  boost::asio::awaitable<oidc::ProviderMetadata> discover(std::string issuer) override {
    ++discoveries;
    if (!reachable) {
      throw Error(ErrorKind::bad_gateway, "oidc_provider_unavailable", "The provider is down.");
    }
    auto answer = metadata;
    answer.issuer = issuer;
    co_return answer;
  }
  boost::asio::awaitable<std::shared_ptr<const oidc::JwkSet>> fetch_keys(
      oidc::ProviderMetadata) override {
    ++key_fetches;
    co_return keys;
  }
  boost::asio::awaitable<oidc::TokenResponse> exchange_code(CodeExchange request) override {
    exchanges.push_back(request);
    if (!id_token) throw Error(ErrorKind::unauthorized, "oidc_invalid_grant", "Unknown code.");
    co_return oidc::TokenResponse{*id_token, "access"};
  }

  bool reachable = true;
  oidc::ProviderMetadata metadata;
  std::shared_ptr<const oidc::JwkSet> keys;
  std::optional<std::string> id_token;  // what the token endpoint answers
  std::vector<CodeExchange> exchanges;
  int discoveries = 0, key_fetches = 0;
};

}  // namespace dokkerr::auth::testing
