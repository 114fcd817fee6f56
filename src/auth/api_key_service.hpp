#pragma once
// API keys: long-lived credentials for scripts, each a subset of its owner's permissions
// (scopes), optionally bound to one team, optionally expiring, revocable. The key itself is
// shown once, at creation; only its hash is kept.
#include "auth/api_key_store.hpp"
#include "core/error.hpp"
#include "core/principal.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
class BlockingPool;
class Clock;
}  // namespace dokkerr

namespace dokkerr::auth {

inline constexpr std::size_t kMaxApiKeysPerUser = 100;

struct NewApiKey {
  std::string name;
  std::optional<std::vector<std::string>> scopes;
  std::optional<std::string> team_id;
  // A stored timestamp (api_key_json.hpp turns the client's RFC 3339 time into one).
  std::optional<std::string> expires_at;
};

struct CreatedApiKey {
  ApiKeyRecord record;
  std::string key;  // shown once
};

// 400 invalid_scope naming what the client sent ("non-string" for a value that is not a string).
Error unknown_scope(std::string_view shown);
// 400 invalid_body: expires_at is not an RFC 3339 time in the future.
Error invalid_expiry();

class ApiKeyService {
 public:
  using Caller = std::shared_ptr<const Principal>;

  ApiKeyService(ApiKeyStore& store, const Clock& clock, BlockingPool& pool)
      : store_(store), clock_(clock), pool_(pool) {}

  // A key narrows its owner: it never holds what the owner does not hold right now (403
  // scope_exceeds_permissions), in the bound team when there is one (404 team_not_found for a
  // team the owner is not in). API keys cannot create keys (403). 409 too_many_api_keys at
  // kMaxApiKeysPerUser keys that are not revoked.
  boost::asio::awaitable<CreatedApiKey> create(Caller caller, NewApiKey request);
  boost::asio::awaitable<std::vector<ApiKeyRecord>> list(Caller caller);  // newest first
  boost::asio::awaitable<void> revoke(Caller caller, std::string id);     // 404 api_key_not_found

  // Blocking, for the authenticator. A key that may sign in (401 authentication_required for
  // one that is unknown, revoked or expired), by the secret a client sent or by id (a ticket
  // issued to a key).
  ApiKeyRecord usable_by_secret(std::string_view key);
  ApiKeyRecord usable_by_id(std::string_view id);
  // Turns the owner's principal into the key's: its scopes, and a team-bound key acts in that
  // team only (no platform or organization power, no other team). Notes the use, at most once
  // a minute (writing it on every request would serialize them).
  void act_as(const ApiKeyRecord& key, Principal& principal);

 private:
  ApiKeyRecord usable(std::optional<ApiKeyRecord> key);

  ApiKeyStore& store_;
  const Clock& clock_;
  BlockingPool& pool_;
};

}  // namespace dokkerr::auth
