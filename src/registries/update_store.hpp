#pragma once
// What the last image update check found, per environment and image reference. Calls block.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::store {
class Database;
}

namespace dokkerr::registries {

struct ImageUpdate {
  std::string environment;
  std::string image;   // the reference containers run ("r:5000/team/app:1")
  std::string status;  // up_to_date, update_available, unknown (error says why)
  std::string local_digest, remote_digest;  // "sha256:…" or ""
  std::string error;
  std::string checked_at;
};

class UpdateStore {
 public:
  virtual ~UpdateStore() = default;
  // The environment's results replaced by these (images no longer in use are forgotten).
  virtual void replace(std::string_view environment, const std::vector<ImageUpdate>& updates) = 0;
  [[nodiscard]] virtual std::vector<ImageUpdate> list(std::string_view environment) = 0;
};

std::unique_ptr<UpdateStore> make_sql_update_store(store::Database& db);

}  // namespace dokkerr::registries
