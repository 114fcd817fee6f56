#include "auth/api_key_service.hpp"

#include "auth/errors.hpp"
#include "auth/opaque_secret.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/permissions.hpp"

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;

constexpr std::size_t kMaxNameBytes = 128;
constexpr std::size_t kMaxScopes = 64;
constexpr std::size_t kPrefixBytes = 10;

}  // namespace

Error unknown_scope(std::string_view shown) {
  return Error::invalid("invalid_scope", "Unknown permission in scopes: " + std::string(shown));
}

Error invalid_expiry() {
  return Error::invalid(
      "invalid_body",
      "expires_at is an RFC 3339 time in the future (e.g. 2030-01-01T00:00:00.000Z).");
}

asio::awaitable<CreatedApiKey> ApiKeyService::create(Caller caller, NewApiKey request) {
  if (!caller->api_key_id.empty()) {
    throw Error(ErrorKind::forbidden, "permission_denied", "API keys cannot create API keys.");
  }
  if (request.name.empty() || request.name.size() > kMaxNameBytes) {
    throw Error::invalid("invalid_body", "name is 1–128 bytes.");
  }
  if (!request.scopes || request.scopes->empty() || request.scopes->size() > kMaxScopes) {
    throw Error::invalid("invalid_body", "scopes is a list of 1–64 permission strings.");
  }
  PermissionSet granted;
  for (const auto& scope : *request.scopes) {
    if (!perm::is_known_permission(scope)) throw unknown_scope(scope);
    granted.insert(scope);
  }
  const auto& team = request.team_id;
  for (const auto& scope : granted) {
    const bool held = team ? caller->has_in_team(*team, scope) : caller->has(scope);
    if (!held) {
      throw Error(ErrorKind::forbidden, "scope_exceeds_permissions",
                  "You do not hold " + scope + (team ? " in that team." : "."));
    }
  }
  if (team && !caller->is_admin && !caller->team_permissions.contains(*team)) {
    throw Error::not_found("team_not_found", "No such team.");
  }
  // Stored timestamps compare as strings, which is what the expiry check relies on.
  if (request.expires_at && *request.expires_at <= clock_.stamp()) throw invalid_expiry();

  CreatedApiKey created;
  created.key = new_secret(kApiKeyPrefix);
  auto& record = created.record;
  record.id = random_hex(12);
  record.user_id = caller->user_id;
  record.name = std::move(request.name);
  record.prefix = created.key.substr(0, kPrefixBytes);
  record.key_hash = secret_hash(created.key);
  record.scopes.assign(granted.begin(), granted.end());
  record.team_id = team;
  record.created_at = clock_.stamp();
  record.expires_at = std::move(request.expires_at);
  auto insert = [&] { return store_.insert_within_limit(record, kMaxApiKeysPerUser); };
  const bool inserted = co_await pool_.run(insert);
  if (!inserted) throw Error::conflict("too_many_api_keys", "Revoke a key first (100 at most).");
  co_return created;
}

asio::awaitable<std::vector<ApiKeyRecord>> ApiKeyService::list(Caller caller) {
  auto list = [&] { return store_.list_for_user(caller->user_id); };
  co_return co_await pool_.run(list);
}

asio::awaitable<void> ApiKeyService::revoke(Caller caller, std::string id) {
  auto revoke = [&] { return store_.revoke(id, caller->user_id); };
  const bool revoked = co_await pool_.run(revoke);
  if (!revoked) throw Error::not_found("api_key_not_found", "No such API key.");
}

ApiKeyRecord ApiKeyService::usable(std::optional<ApiKeyRecord> key) {
  if (!key) throw authentication_required("Unknown API key.");
  if (key->revoked_at) throw authentication_required("This API key is revoked.");
  if (key->expires_at && *key->expires_at <= clock_.stamp()) {
    throw authentication_required("This API key expired.");
  }
  return std::move(*key);
}

ApiKeyRecord ApiKeyService::usable_by_secret(std::string_view key) {
  if (!looks_like(key, kApiKeyPrefix)) throw authentication_required("Unknown API key.");
  return usable(store_.find_by_hash(secret_hash(key)));
}

ApiKeyRecord ApiKeyService::usable_by_id(std::string_view id) {
  return usable(store_.find(id));
}

void ApiKeyService::act_as(const ApiKeyRecord& key, Principal& principal) {
  principal.api_key_id = key.id;
  principal.auth_method = "api_key";
  principal.scopes = PermissionSet(key.scopes.begin(), key.scopes.end());
  if (key.team_id) {
    const auto& team = *key.team_id;
    principal.is_admin = false;
    principal.org_permissions.clear();
    std::erase_if(principal.team_permissions, [&](const auto& e) { return e.first != team; });
    for (auto& [environment, teams] : principal.environment_teams) {
      std::erase_if(teams, [&](const auto& t) { return t != team; });
    }
  }
  const auto minute_ago = clock_.stamp_in(-std::chrono::seconds(60));
  if (!key.last_used_at || *key.last_used_at < minute_ago) store_.touch(key.id);
}

}  // namespace dokkerr::auth
