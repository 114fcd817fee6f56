#pragma once
// Where stored registries are kept: an organization's (team_id "") or one of its teams', with
// the login the engine presents to them. The password is sealed at rest under a context naming
// the registry. Calls block: run them on the BlockingPool.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
class SecretSealer;
}
namespace dokkerr::store {
class Database;
}

namespace dokkerr::registries {

struct Registry {
  std::string id;
  std::string organization_id;
  std::string team_id;  // "" for every team of the organization
  std::string name;
  std::string address;  // HOST[:PORT] as image references name it, lowercased
  bool insecure = false;  // plain HTTP
  std::string username;
  std::string password;  // "" when none
  std::string created_by, created_at, updated_at;
};

class RegistryStore {
 public:
  virtual ~RegistryStore() = default;
  // Error conflict "registry_exists" when the organization has a registry of that name.
  virtual void insert(const Registry& registry) = 0;
  virtual void update(const Registry& registry) = 0;  // same rule for a renamed one
  [[nodiscard]] virtual std::optional<Registry> get(std::string_view id) = 0;
  // nullopt: every registry; else those of these organizations (team ones included).
  [[nodiscard]] virtual std::vector<Registry> list(
      const std::optional<std::set<std::string, std::less<>>>& organizations) = 0;
  // Every registry for this address, oldest first.
  [[nodiscard]] virtual std::vector<Registry> for_address(std::string_view address) = 0;
  [[nodiscard]] virtual std::size_t count(std::string_view organization_id) = 0;
  virtual bool remove(std::string_view id) = 0;
};

std::unique_ptr<RegistryStore> make_sql_registry_store(store::Database& db,
                                                       const SecretSealer& sealer);

}  // namespace dokkerr::registries
