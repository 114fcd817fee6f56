#include "containers/ownership_store.hpp"
#include "store/database.hpp"

namespace dokkerr::containers {
namespace {

std::string kind_text(ResourceKind kind) {
  return std::string(kind_name(kind));
}

class SqlOwnershipStore final : public OwnershipStore {
 public:
  explicit SqlOwnershipStore(store::Database& db) : db_(db) {}

  std::optional<std::string> owner(std::string_view environment_id, ResourceKind kind,
                                   std::string_view resource_id) override {
    const auto rows = db_.query(
        "SELECT team_id FROM resource_owners WHERE environment_id = ? AND kind = ? AND "
        "resource_id = ?",
        {std::string(environment_id), kind_text(kind), std::string(resource_id)});
    if (rows.empty()) return std::nullopt;
    return rows.front().text(0);
  }

  OwnerMap owners(std::string_view environment_id, ResourceKind kind) override {
    OwnerMap out;
    for (const auto& row : db_.query("SELECT resource_id, team_id FROM resource_owners WHERE "
                                     "environment_id = ? AND kind = ?",
                                     {std::string(environment_id), kind_text(kind)})) {
      out.emplace(row.text(0), row.text(1));
    }
    return out;
  }

  void put(const OwnerRecord& record) override {
    // Delete and insert rather than an upsert: the same two statements on both backends.
    db_.transaction([&record](store::Database& tx) {
      tx.execute(
          "DELETE FROM resource_owners WHERE environment_id = ? AND kind = ? AND resource_id = ?",
          {record.environment_id, kind_text(record.kind), record.resource_id});
      tx.execute(
          "INSERT INTO resource_owners (environment_id, kind, resource_id, team_id, created_at) "
          "VALUES (?, ?, ?, ?, ?)",
          {record.environment_id, kind_text(record.kind), record.resource_id, record.team_id,
           record.created_at});
    });
  }

  void remove(std::string_view environment_id, ResourceKind kind,
              std::string_view resource_id) override {
    db_.execute(
        "DELETE FROM resource_owners WHERE environment_id = ? AND kind = ? AND resource_id = ?",
        {std::string(environment_id), kind_text(kind), std::string(resource_id)});
  }

 private:
  store::Database& db_;
};

}  // namespace

std::unique_ptr<OwnershipStore> make_sql_ownership_store(store::Database& db) {
  return std::make_unique<SqlOwnershipStore>(db);
}

}  // namespace dokkerr::containers
