#include "auth/oidc_store.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "store/database.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::auth {
namespace {

constexpr std::string_view kProviderColumns =
    "id, name, issuer, client_id, client_secret, redirect_uri, scopes, team_mapping, enabled, "
    "created_at";

std::string mapping_text(const std::vector<TeamMapping>& mapping) {
  boost::json::array out;
  for (const auto& m : mapping) {
    out.emplace_back(boost::json::object{
        {"claim", m.claim}, {"value", m.value}, {"team_id", m.team_id}, {"role", m.role}});
  }
  return boost::json::serialize(out);
}

// Lenient: what we stored ourselves; an entry that is not an object is skipped.
std::vector<TeamMapping> mapping_from(std::string_view text) {
  std::vector<TeamMapping> out;
  const auto value = json::parse(text);
  const auto* list = value.if_array();
  if (list == nullptr) return out;
  for (const auto& item : *list) {
    const auto* entry = item.if_object();
    if (entry == nullptr) continue;
    auto field = [entry](std::string_view name) {
      const auto* v = entry->if_contains(name);
      return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    out.push_back({field("claim"), field("value"), field("team_id"), field("role")});
  }
  return out;
}

OidcProviderRecord provider_from(const store::Row& row) {
  OidcProviderRecord provider;
  provider.id = row.text(0);
  provider.name = row.text(1);
  provider.issuer = row.text(2);
  provider.client_id = row.text(3);
  provider.client_secret_sealed = row.text(4);
  provider.redirect_uri = row.text(5);
  provider.scopes = json::stored_string_list(row.text(6));
  provider.team_mapping = mapping_from(row.text(7));
  provider.enabled = row.integer(8) != 0;
  provider.created_at = row.text(9);
  return provider;
}

class SqlOidcStore final : public OidcStore {
 public:
  SqlOidcStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  void insert_provider(const OidcProviderRecord& provider) override {
    try {
      db_.execute(
          "INSERT INTO oidc_providers (id, name, issuer, client_id, client_secret, redirect_uri, "
          "scopes, team_mapping, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {provider.id, provider.name, provider.issuer, provider.client_id,
           provider.client_secret_sealed, provider.redirect_uri,
           boost::json::serialize(json::string_array(provider.scopes)),
           mapping_text(provider.team_mapping), std::int64_t{provider.enabled ? 1 : 0},
           provider.created_at});
    } catch (const Error& error) {
      if (error.code() != "unique_violation") throw;
      throw Error::conflict("oidc_provider_exists", "A sign-in provider with that name exists.");
    }
  }

  bool update_provider(const OidcProviderRecord& provider) override {
    try {
      return db_.execute(
                 "UPDATE oidc_providers SET name = ?, issuer = ?, client_id = ?, client_secret = "
                 "?, "
                 "redirect_uri = ?, scopes = ?, team_mapping = ?, enabled = ? WHERE id = ?",
                 {provider.name, provider.issuer, provider.client_id, provider.client_secret_sealed,
                  provider.redirect_uri,
                  boost::json::serialize(json::string_array(provider.scopes)),
                  mapping_text(provider.team_mapping), std::int64_t{provider.enabled ? 1 : 0},
                  provider.id}) == 1;
    } catch (const Error& error) {
      if (error.code() != "unique_violation") throw;
      throw Error::conflict("oidc_provider_exists", "A sign-in provider with that name exists.");
    }
  }

  std::optional<OidcProviderRecord> find_provider(std::string_view id) override {
    const auto rows =
        db_.query("SELECT " + std::string(kProviderColumns) + " FROM oidc_providers WHERE id = ?",
                  {std::string(id)});
    if (rows.empty()) return std::nullopt;
    return provider_from(rows.front());
  }

  std::vector<OidcProviderRecord> list_providers() override {
    std::vector<OidcProviderRecord> providers;
    for (const auto& row : db_.query("SELECT " + std::string(kProviderColumns) +
                                     " FROM oidc_providers ORDER BY name")) {
      providers.push_back(provider_from(row));
    }
    return providers;
  }

  bool remove_provider(std::string_view id) override {
    bool removed = false;
    db_.transaction([&](store::Database& tx) {
      removed = tx.execute("DELETE FROM oidc_providers WHERE id = ?", {std::string(id)}) == 1;
      tx.execute("DELETE FROM oidc_logins WHERE provider_id = ?", {std::string(id)});
    });
    return removed;
  }

  bool insert_login(const PendingLogin& login, std::int64_t max_pending) override {
    db_.execute("DELETE FROM oidc_logins WHERE expires_at < ?", {clock_.stamp()});
    const auto pending = db_.query("SELECT COUNT(*) FROM oidc_logins");
    if (!pending.empty() && pending.front().integer(0) >= max_pending) return false;
    db_.execute(
        "INSERT INTO oidc_logins (state_hash, provider_id, nonce, code_verifier, redirect_uri, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        {login.key, login.provider_id, login.nonce, login.code_verifier, login.redirect_uri,
         login.expires_at});
    return true;
  }

  std::optional<PendingLogin> take_login(std::string_view key) override {
    const std::string id(key);
    const auto rows = db_.query(
        "SELECT provider_id, nonce, code_verifier, redirect_uri, expires_at FROM oidc_logins "
        "WHERE state_hash = ?",
        {id});
    if (rows.empty()) return std::nullopt;
    if (db_.execute("DELETE FROM oidc_logins WHERE state_hash = ?", {id}) != 1) return std::nullopt;
    const auto& row = rows.front();
    return PendingLogin{id, row.text(0), row.text(1), row.text(2), row.text(3), row.text(4)};
  }

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<OidcStore> make_sql_oidc_store(store::Database& db, const Clock& clock) {
  return std::make_unique<SqlOidcStore>(db, clock);
}

}  // namespace dokkerr::auth
