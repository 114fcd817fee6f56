#pragma once
// Which team owns a container, network or volume, as Dokkerr recorded it (resource_owners):
// every creation for a team, and every assignment of a resource made outside Dokkerr. For what
// Dokkerr created, the engine object's team label says the same; for unlabelled resources the
// record is the only owner there is.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::store {
class Database;
}

namespace dokkerr::containers {

enum class ResourceKind { container, network, volume };

// "container", "network", "volume": the stored kind, and the noun of error codes and messages.
constexpr std::string_view kind_name(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::container:
      return "container";
    case ResourceKind::network:
      return "network";
    case ResourceKind::volume:
      return "volume";
  }
  return "object";
}

struct OwnerRecord {
  std::string environment_id;
  ResourceKind kind = ResourceKind::container;
  std::string resource_id;  // the engine's full id (volumes: the name)
  std::string team_id;
  std::string created_at;  // RFC 3339, as stored
};

// Resource id → owning team.
using OwnerMap = std::map<std::string, std::string, std::less<>>;

class OwnershipStore {
 public:
  virtual ~OwnershipStore() = default;
  [[nodiscard]] virtual std::optional<std::string> owner(std::string_view environment_id,
                                                         ResourceKind kind,
                                                         std::string_view resource_id) = 0;
  // Every recorded owner of one kind of resource in an environment.
  [[nodiscard]] virtual OwnerMap owners(std::string_view environment_id, ResourceKind kind) = 0;
  // Records the owner, replacing an earlier record of the same resource (one transaction).
  virtual void put(const OwnerRecord& record) = 0;
  virtual void remove(std::string_view environment_id, ResourceKind kind,
                      std::string_view resource_id) = 0;
};

std::unique_ptr<OwnershipStore> make_sql_ownership_store(store::Database& db);

}  // namespace dokkerr::containers
