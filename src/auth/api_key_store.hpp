#pragma once
// Where API keys are kept (table api_keys), by the hash of the key. Every call blocks: run it on
// the BlockingPool.
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

struct ApiKeyRecord {
  std::string id, user_id, name, prefix, key_hash;
  std::vector<std::string> scopes;
  std::optional<std::string> team_id;  // a key bound to one team acts in that team only
  std::string created_at;
  std::optional<std::string> expires_at, revoked_at, last_used_at;
};

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  // Inserts the key unless its owner has `limit` keys that are not revoked (false then), in one
  // transaction.
  virtual bool insert_within_limit(const ApiKeyRecord& key, std::size_t limit) = 0;
  virtual std::vector<ApiKeyRecord> list_for_user(std::string_view user_id) = 0;  // newest first
  virtual std::optional<ApiKeyRecord> find_by_hash(std::string_view key_hash) = 0;
  virtual std::optional<ApiKeyRecord> find(std::string_view id) = 0;
  // Stamps revoked_at; false when the owner has no such key that is not revoked yet.
  virtual bool revoke(std::string_view id, std::string_view user_id) = 0;
  // Stamps last_used_at.
  virtual void touch(std::string_view id) = 0;
};

std::unique_ptr<ApiKeyStore> make_sql_api_key_store(store::Database& db, const Clock& clock);

}  // namespace dokkerr::auth
