#include "auth/api_key_store.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "store/database.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::auth {
namespace {

constexpr std::string_view kColumns =
    "id, user_id, name, prefix, key_hash, scopes, team_id, created_at, expires_at, revoked_at, "
    "last_used_at";

ApiKeyRecord key_from(const store::Row& row) {
  return ApiKeyRecord{
      row.text(0),          row.text(1),          row.text(2),
      row.text(3),          row.text(4),          json::stored_string_list(row.text(5)),
      row.optional_text(6), row.text(7),          row.optional_text(8),
      row.optional_text(9), row.optional_text(10)};
}

store::Value optional_value(const std::optional<std::string>& text) {
  if (text) return *text;
  return nullptr;
}

class SqlApiKeyStore final : public ApiKeyStore {
 public:
  SqlApiKeyStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  bool insert_within_limit(const ApiKeyRecord& key, std::size_t limit) override {
    bool inserted = false;
    db_.transaction([&](store::Database& tx) {
      const auto live = tx.query(
          "SELECT COUNT(*) FROM api_keys WHERE user_id = ? AND revoked_at IS NULL", {key.user_id});
      if (live.front().integer(0) >= static_cast<std::int64_t>(limit)) return;
      tx.execute(
          "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, team_id, "
          "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {key.id, key.user_id, key.name, key.prefix, key.key_hash,
           boost::json::serialize(json::string_array(key.scopes)), optional_value(key.team_id),
           key.created_at, optional_value(key.expires_at)});
      inserted = true;
    });
    return inserted;
  }

  std::vector<ApiKeyRecord> list_for_user(std::string_view user_id) override {
    std::vector<ApiKeyRecord> keys;
    for (const auto& row :
         db_.query("SELECT " + std::string(kColumns) +
                       " FROM api_keys WHERE user_id = ? ORDER BY created_at DESC",
                   {std::string(user_id)})) {
      keys.push_back(key_from(row));
    }
    return keys;
  }

  std::optional<ApiKeyRecord> find_by_hash(std::string_view key_hash) override {
    return first("key_hash", key_hash);
  }

  std::optional<ApiKeyRecord> find(std::string_view id) override { return first("id", id); }

  bool revoke(std::string_view id, std::string_view user_id) override {
    return db_.execute(
               "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS "
               "NULL",
               {clock_.stamp(), std::string(id), std::string(user_id)}) == 1;
  }

  void touch(std::string_view id) override {
    db_.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?",
                {clock_.stamp(), std::string(id)});
  }

 private:
  // column: "id" or "key_hash", fixed strings of this file, never client input.
  std::optional<ApiKeyRecord> first(std::string_view column, std::string_view value) {
    const auto rows = db_.query(
        "SELECT " + std::string(kColumns) + " FROM api_keys WHERE " + std::string(column) + " = ?",
        {std::string(value)});
    if (rows.empty()) return std::nullopt;
    return key_from(rows.front());
  }

  store::Database& db_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<ApiKeyStore> make_sql_api_key_store(store::Database& db, const Clock& clock) {
  return std::make_unique<SqlApiKeyStore>(db, clock);
}

}  // namespace dokkerr::auth
