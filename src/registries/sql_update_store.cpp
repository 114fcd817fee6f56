#include "registries/update_store.hpp"
#include "store/database.hpp"

namespace dokkerr::registries {
namespace {

class SqlUpdateStore final : public UpdateStore {
 public:
  explicit SqlUpdateStore(store::Database& db) : db_(db) {}

  void replace(std::string_view environment, const std::vector<ImageUpdate>& updates) override {
    db_.transaction([&](store::Database& tx) {
      tx.execute("DELETE FROM image_updates WHERE environment = ?", {std::string(environment)});
      for (const auto& u : updates) {
        tx.execute(
            "INSERT INTO image_updates (environment, image, status, local_digest, remote_digest, "
            "error, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            {std::string(environment), u.image, u.status, u.local_digest, u.remote_digest, u.error,
             u.checked_at});
      }
    });
  }

  std::vector<ImageUpdate> list(std::string_view environment) override {
    std::vector<ImageUpdate> out;
    for (const auto& row : db_.query(
             "SELECT image, status, local_digest, remote_digest, error, checked_at FROM "
             "image_updates WHERE environment = ? ORDER BY image",
             {std::string(environment)})) {
      out.push_back(ImageUpdate{std::string(environment), row.text(0), row.text(1), row.text(2),
                                row.text(3), row.text(4), row.text(5)});
    }
    return out;
  }

 private:
  store::Database& db_;
};

}  // namespace

std::unique_ptr<UpdateStore> make_sql_update_store(store::Database& db) {
  return std::make_unique<SqlUpdateStore>(db);
}

}  // namespace dokkerr::registries
