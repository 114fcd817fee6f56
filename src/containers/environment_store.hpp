#pragma once
// Where the Docker environments (engines) a user registered are kept. The local engine is not
// stored: the service adds it.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
class Clock;
class SecretSealer;
}  // namespace dokkerr
namespace dokkerr::store {
class Database;
}

namespace dokkerr::containers {

struct EnvironmentRecord {
  std::string id, name, url, tls_ca, tls_cert, tls_key;  // empty TLS fields are stored as NULL
  bool tls_verify = true;
  std::string created_at, updated_at;  // RFC 3339; empty means "now" on insert/update
};

class EnvironmentStore {
 public:
  virtual ~EnvironmentStore() = default;
  virtual std::vector<EnvironmentRecord> list() = 0;  // ordered by name
  virtual std::optional<EnvironmentRecord> find(std::string_view id) = 0;
  // Duplicate name or id -> Error conflict "environment_name_conflict".
  virtual void insert(const EnvironmentRecord& record) = 0;
  // Changes everything but id and created_at. Missing -> Error not_found "environment_not_found";
  // duplicate name -> Error conflict "environment_name_conflict".
  virtual void update(const EnvironmentRecord& record) = 0;
  // False when there was nothing to remove.
  virtual bool remove(std::string_view id) = 0;
};

// Empty created_at/updated_at are stamped from `clock`. TLS client keys are sealed with
// `sealer` before they are written and opened when read: the database never holds one in
// clear.
std::unique_ptr<EnvironmentStore> make_sql_environment_store(store::Database& db,
                                                             const Clock& clock,
                                                             const SecretSealer& sealer);

// Seals the TLS client keys that were stored in clear (by versions before keys were sealed);
// returns how many. Safe to run by several replicas at once: a row is rewritten only while it
// still holds the clear key that was read.
int seal_clear_tls_keys(store::Database& db, const SecretSealer& sealer);

}  // namespace dokkerr::containers
