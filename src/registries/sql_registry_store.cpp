#include "core/error.hpp"
#include "core/secret_sealer.hpp"
#include "registries/registry_store.hpp"
#include "store/database.hpp"

namespace dokkerr::registries {
namespace {

constexpr std::string_view kColumns =
    "id, organization_id, team_id, name, address, insecure, username, password, created_by, "
    "created_at, updated_at";

// A sealed password copied to another registry's row does not open there.
std::string context_of(std::string_view id) { return "registry-password:" + std::string(id); }

Error name_taken(const Registry& registry) {
  return Error::conflict("registry_exists",
                         "The organization has a registry named " + registry.name + ".");
}

class SqlRegistryStore final : public RegistryStore {
 public:
  SqlRegistryStore(store::Database& db, const SecretSealer& sealer) : db_(db), sealer_(sealer) {}

  void insert(const Registry& r) override {
    try {
      db_.execute("INSERT INTO registries (" + std::string(kColumns) +
                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  {r.id, r.organization_id, r.team_id, r.name, r.address,
                   std::int64_t{r.insecure ? 1 : 0}, r.username, seal(r), r.created_by,
                   r.created_at, r.updated_at});
    } catch (const Error& error) {
      if (error.code() != "unique_violation") throw;
      throw name_taken(r);
    }
  }

  void update(const Registry& r) override {
    try {
      db_.execute(
          "UPDATE registries SET name = ?, insecure = ?, username = ?, password = ?, "
          "updated_at = ? WHERE id = ?",
          {r.name, std::int64_t{r.insecure ? 1 : 0}, r.username, seal(r), r.updated_at, r.id});
    } catch (const Error& error) {
      if (error.code() != "unique_violation") throw;
      throw name_taken(r);
    }
  }

  std::optional<Registry> get(std::string_view id) override {
    const auto rows = db_.query(
        "SELECT " + std::string(kColumns) + " FROM registries WHERE id = ?", {std::string(id)});
    if (rows.empty()) return std::nullopt;
    return registry_of(rows.front());
  }

  std::vector<Registry> list(
      const std::optional<std::set<std::string, std::less<>>>& organizations) override {
    if (organizations && organizations->empty()) return {};
    std::string sql = "SELECT " + std::string(kColumns) + " FROM registries";
    std::vector<store::Value> params;
    if (organizations) {
      sql += " WHERE organization_id IN (";
      for (const auto& org : *organizations) {
        sql += params.empty() ? "?" : ", ?";
        params.emplace_back(org);
      }
      sql += ")";
    }
    sql += " ORDER BY name, id";
    std::vector<Registry> out;
    for (const auto& row : db_.query(sql, params)) out.push_back(registry_of(row));
    return out;
  }

  std::vector<Registry> for_address(std::string_view address) override {
    std::vector<Registry> out;
    for (const auto& row : db_.query("SELECT " + std::string(kColumns) +
                                         " FROM registries WHERE address = ? ORDER BY created_at, id",
                                     {std::string(address)})) {
      out.push_back(registry_of(row));
    }
    return out;
  }

  std::size_t count(std::string_view organization_id) override {
    const auto rows = db_.query("SELECT COUNT(*) FROM registries WHERE organization_id = ?",
                                {std::string(organization_id)});
    return rows.empty() ? 0 : static_cast<std::size_t>(rows.front().integer(0));
  }

  bool remove(std::string_view id) override {
    return db_.execute("DELETE FROM registries WHERE id = ?", {std::string(id)}) > 0;
  }

 private:
  std::string seal(const Registry& r) const {
    return r.password.empty() ? std::string() : sealer_.seal(r.password, context_of(r.id));
  }

  Registry registry_of(const store::Row& row) const {
    Registry r;
    r.id = row.text(0);
    r.organization_id = row.text(1);
    r.team_id = row.text(2);
    r.name = row.text(3);
    r.address = row.text(4);
    r.insecure = row.integer(5) != 0;
    r.username = row.text(6);
    const auto sealed = row.text(7);
    r.password = sealed.empty() ? std::string() : sealer_.open(sealed, context_of(r.id));
    r.created_by = row.text(8);
    r.created_at = row.text(9);
    r.updated_at = row.text(10);
    return r;
  }

  store::Database& db_;
  const SecretSealer& sealer_;
};

}  // namespace

std::unique_ptr<RegistryStore> make_sql_registry_store(store::Database& db,
                                                       const SecretSealer& sealer) {
  return std::make_unique<SqlRegistryStore>(db, sealer);
}

}  // namespace dokkerr::registries
