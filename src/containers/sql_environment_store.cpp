#include "containers/environment_store.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/secret_sealer.hpp"
#include "store/database.hpp"

#include <utility>

namespace dokkerr::containers {
namespace {

constexpr std::string_view kColumns =
    "id, name, url, tls_ca, tls_cert, tls_key, tls_verify, created_at, updated_at";

store::Value optional_text(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

std::string key_context(std::string_view id) {
  return "environment-tls-key:" + std::string(id);
}

EnvironmentRecord to_record(const store::Row& row, const SecretSealer& sealer) {
  EnvironmentRecord r;
  r.id = row.text(0);
  r.name = row.text(1);
  r.url = row.text(2);
  r.tls_ca = row.text(3);
  r.tls_cert = row.text(4);
  r.tls_key = row.text(5);
  // A clear key is one stored before sealing began, until seal_clear_tls_keys() runs.
  if (!r.tls_key.empty() && sealer.is_sealed(r.tls_key)) {
    r.tls_key = sealer.open(r.tls_key, key_context(r.id));
  }
  r.tls_verify = row.integer(6) != 0;
  r.created_at = row.text(7);
  r.updated_at = row.text(8);
  return r;
}

// Both id and name are unique; the only way a client can collide on the id is by naming the
// same environment twice, so both read as a name conflict.
template <typename Fn>
auto translate_conflict(const std::string& name, Fn&& fn) {
  try {
    return std::forward<Fn>(fn)();
  } catch (const Error& e) {
    if (e.code() != "unique_violation") throw;
    throw Error(ErrorKind::conflict, "environment_name_conflict",
                "An environment named \"" + name + "\" already exists.", e.internal());
  }
}

class SqlEnvironmentStore final : public EnvironmentStore {
 public:
  SqlEnvironmentStore(store::Database& db, const Clock& clock, const SecretSealer& sealer)
      : db_(db), clock_(clock), sealer_(sealer) {}

  std::vector<EnvironmentRecord> list() override {
    std::vector<EnvironmentRecord> out;
    // name, then id: a total order that is the same on both backends for ASCII names.
    for (const auto& row :
         db_.query("SELECT " + std::string(kColumns) + " FROM environments ORDER BY name, id")) {
      out.push_back(to_record(row, sealer_));
    }
    return out;
  }

  std::optional<EnvironmentRecord> find(std::string_view id) override {
    const auto rows = db_.query(
        "SELECT " + std::string(kColumns) + " FROM environments WHERE id = ?", {std::string(id)});
    if (rows.empty()) return std::nullopt;
    return to_record(rows.front(), sealer_);
  }

  void insert(const EnvironmentRecord& r) override {
    const std::string now = clock_.stamp();
    translate_conflict(r.name, [&] {
      return db_.execute(
          "INSERT INTO environments (" + std::string(kColumns) +
              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {r.id, r.name, r.url, optional_text(r.tls_ca), optional_text(r.tls_cert), sealed_key(r),
           std::int64_t{r.tls_verify ? 1 : 0}, r.created_at.empty() ? now : r.created_at,
           r.updated_at.empty() ? now : r.updated_at});
    });
  }

  void update(const EnvironmentRecord& r) override {
    const auto changed = translate_conflict(r.name, [&] {
      return db_.execute(
          "UPDATE environments SET name = ?, url = ?, tls_ca = ?, tls_cert = ?, tls_key = ?, "
          "tls_verify = ?, updated_at = ? WHERE id = ?",
          {r.name, r.url, optional_text(r.tls_ca), optional_text(r.tls_cert), sealed_key(r),
           std::int64_t{r.tls_verify ? 1 : 0}, r.updated_at.empty() ? clock_.stamp() : r.updated_at,
           r.id});
    });
    if (changed == 0) {
      throw Error::not_found("environment_not_found",
                             "No environment has the id \"" + r.id + "\".");
    }
  }

  bool remove(std::string_view id) override {
    return db_.execute("DELETE FROM environments WHERE id = ?", {std::string(id)}) > 0;
  }

 private:
  [[nodiscard]] store::Value sealed_key(const EnvironmentRecord& r) const {
    if (r.tls_key.empty()) return nullptr;
    return sealer_.seal(r.tls_key, key_context(r.id));
  }

  store::Database& db_;
  const Clock& clock_;
  const SecretSealer& sealer_;
};

}  // namespace

std::unique_ptr<EnvironmentStore> make_sql_environment_store(store::Database& db,
                                                             const Clock& clock,
                                                             const SecretSealer& sealer) {
  return std::make_unique<SqlEnvironmentStore>(db, clock, sealer);
}

int seal_clear_tls_keys(store::Database& db, const SecretSealer& sealer) {
  int sealed = 0;
  for (const auto& row :
       db.query("SELECT id, tls_key FROM environments WHERE tls_key IS NOT NULL")) {
    const auto id = row.text(0);
    const auto key = row.text(1);
    if (key.empty() || sealer.is_sealed(key)) continue;
    sealed += static_cast<int>(
        db.execute("UPDATE environments SET tls_key = ? WHERE id = ? AND tls_key = ?",
                   {sealer.seal(key, key_context(id)), id, key}));
  }
  return sealed;
}

}  // namespace dokkerr::containers
