#pragma once
// OpenID Connect providers a platform admin configured, and the logins started with them that
// wait for their callback (tables oidc_providers and oidc_logins). Every call blocks: run it on
// the BlockingPool.
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

// For each team, the first entry whose claim matches gives the role (oidc_service.hpp).
struct TeamMapping {
  std::string claim, value, team_id, role;
};

struct OidcProviderRecord {
  std::string id, name, issuer, client_id;
  std::string client_secret_sealed;  // under "oidc:<id>"
  std::string redirect_uri;
  std::vector<std::string> scopes;
  std::vector<TeamMapping> team_mapping;
  bool enabled = true;
  std::string created_at;
};

struct PendingLogin {
  std::string key;  // SHA-256 of the user agent's binding "." state
  std::string provider_id, nonce, code_verifier, redirect_uri, expires_at;
};

class OidcStore {
 public:
  virtual ~OidcStore() = default;

  // Error conflict "oidc_provider_exists" for a name in use.
  virtual void insert_provider(const OidcProviderRecord& provider) = 0;
  virtual std::optional<OidcProviderRecord> find_provider(std::string_view id) = 0;
  // Replaces every field but id and created_at; false when there is no such provider. Error
  // conflict "oidc_provider_exists" for a name in use by another.
  virtual bool update_provider(const OidcProviderRecord& provider) = 0;
  virtual std::vector<OidcProviderRecord> list_providers() = 0;  // by name
  // Removes the provider and the logins pending with it, in one transaction.
  virtual bool remove_provider(std::string_view id) = 0;

  // Sweeps expired logins, then stores this one unless `max_pending` are pending already (false
  // then): pending logins are rows anyone can create.
  virtual bool insert_login(const PendingLogin& login, std::int64_t max_pending) = 0;
  // Reads and deletes the login: whoever deletes it owns it, so a state is good for one callback
  // only. nullopt when unknown or taken already (expired ones are returned: the caller tells).
  virtual std::optional<PendingLogin> take_login(std::string_view key) = 0;
};

std::unique_ptr<OidcStore> make_sql_oidc_store(store::Database& db, const Clock& clock);

}  // namespace dokkerr::auth
