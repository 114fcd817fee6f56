#include "core/clock.hpp"
#include "store/database.hpp"
#include "users/sql_conflict.hpp"
#include "users/user_store.hpp"
#include "users/username.hpp"

namespace dokkerr::users {
namespace {

using store::Row;
using store::Value;

constexpr std::string_view kColumns =
    "id, username, email, display_name, avatar_url, preferences, password_hash, is_admin, "
    "disabled, mfa_enabled, mfa_secret, mfa_last_step, oidc_provider, oidc_subject, created_at, "
    "updated_at, last_login_at";

User user_from(const Row& row) {
  User user;
  user.id = row.text(0);
  user.username = row.text(1);
  user.email = row.text(2);
  user.display_name = row.text(3);
  user.avatar_url = row.text(4);
  user.preferences_json = row.text(5);
  user.password_hash = row.optional_text(6);
  user.is_admin = row.integer(7) != 0;
  user.disabled = row.integer(8) != 0;
  user.mfa_enabled = row.integer(9) != 0;
  user.mfa_secret = row.optional_text(10);
  user.mfa_last_step = row.integer(11);
  user.oidc_provider = row.optional_text(12);
  user.oidc_subject = row.optional_text(13);
  user.created_at = row.text(14);
  user.updated_at = row.text(15);
  user.last_login_at = row.optional_text(16);
  return user;
}

// A transaction-scoped advisory lock: any number nothing else locks ("first" in ASCII).
constexpr std::string_view kLockFirstAccount = "SELECT pg_advisory_xact_lock(491496043380)";

Value optional_value(const std::optional<std::string>& text) {
  if (text) return *text;
  return nullptr;
}

Value flag(bool value) {
  return std::int64_t{value ? 1 : 0};
}

std::string select_users(std::string_view where) {
  return "SELECT " + std::string(kColumns) + " FROM users " + std::string(where);
}

class SqlUserStore final : public UserStore {
 public:
  SqlUserStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  std::int64_t count() override { return db_.query("SELECT COUNT(*) FROM users").at(0).integer(0); }

  void insert(const User& user) override { insert_into(db_, user); }

  bool insert_first(const User& user) override {
    bool inserted = false;
    db_.transaction([&](store::Database& tx) {
      // SQLite's transactions hold the write lock from their start; PostgreSQL's (read
      // committed) would let two of them count zero at once, so they queue on a lock first.
      if (tx.backend() == "postgres") (void)tx.query(kLockFirstAccount);
      if (tx.query("SELECT COUNT(*) FROM users").at(0).integer(0) > 0) return;
      insert_into(tx, user);
      inserted = true;
    });
    return inserted;
  }

  std::optional<User> find(std::string_view id) override {
    return first(db_.query(select_users("WHERE id = ?"), {std::string(id)}));
  }

  std::optional<User> find_by_username(std::string_view username) override {
    return first(db_.query(select_users("WHERE username_key = ?"), {username_key(username)}));
  }

  std::optional<User> find_by_oidc(std::string_view issuer, std::string_view subject) override {
    return first(db_.query(select_users("WHERE oidc_provider = ? AND oidc_subject = ?"),
                           {std::string(issuer), std::string(subject)}));
  }

  std::vector<User> list(std::size_t limit, std::string_view after) override {
    std::vector<User> users;
    for (const auto& row :
         db_.query(select_users("WHERE username_key > ? ORDER BY username_key LIMIT ?"),
                   {username_key(after), static_cast<std::int64_t>(limit)})) {
      users.push_back(user_from(row));
    }
    return users;
  }

  void update_profile(const User& user) override {
    db_.execute(
        "UPDATE users SET email = ?, display_name = ?, avatar_url = ?, preferences = ?, "
        "updated_at = ? WHERE id = ?",
        {user.email, user.display_name, user.avatar_url, user.preferences_json, clock_.stamp(),
         user.id});
  }

  void set_password_hash(std::string_view id, std::string_view hash) override {
    db_.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                {std::string(hash), clock_.stamp(), std::string(id)});
  }

  void set_disabled(std::string_view id, bool disabled) override {
    db_.execute("UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?",
                {flag(disabled), clock_.stamp(), std::string(id)});
  }

  void set_admin(std::string_view id, bool admin) override {
    db_.execute("UPDATE users SET is_admin = ?, updated_at = ? WHERE id = ?",
                {flag(admin), clock_.stamp(), std::string(id)});
  }

  void set_mfa(std::string_view id, bool enabled,
               const std::optional<std::string>& secret) override {
    db_.execute(
        "UPDATE users SET mfa_enabled = ?, mfa_secret = ?, mfa_last_step = 0, updated_at = ? "
        "WHERE id = ?",
        {flag(enabled), optional_value(secret), clock_.stamp(), std::string(id)});
  }

  void enable_mfa(std::string_view id) override {
    db_.execute("UPDATE users SET mfa_enabled = 1 WHERE id = ?", {std::string(id)});
  }

  bool advance_mfa_step(std::string_view id, std::int64_t step) override {
    return db_.execute("UPDATE users SET mfa_last_step = ? WHERE id = ? AND mfa_last_step < ?",
                       {step, std::string(id), step}) == 1;
  }

  void touch_login(std::string_view id) override {
    db_.execute("UPDATE users SET last_login_at = ? WHERE id = ?",
                {clock_.stamp(), std::string(id)});
  }

  bool remove(std::string_view id) override {
    return db_.execute("DELETE FROM users WHERE id = ?", {std::string(id)}) == 1;
  }

 private:
  static std::optional<User> first(const std::vector<Row>& rows) {
    if (rows.empty()) return std::nullopt;
    return user_from(rows.front());
  }

  static void insert_into(store::Database& db, const User& user) {
    translate_unique_violation(
        [&] {
          db.execute(
              "INSERT INTO users (id, username, username_key, email, display_name, avatar_url, "
              "preferences, password_hash, is_admin, disabled, oidc_provider, oidc_subject, "
              "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {user.id, user.username, username_key(user.username), user.email, user.display_name,
               user.avatar_url, user.preferences_json, optional_value(user.password_hash),
               flag(user.is_admin), flag(user.disabled), optional_value(user.oidc_provider),
               optional_value(user.oidc_subject), user.created_at, user.updated_at});
        },
        "username_taken", "That username is taken.");
  }

  store::Database& db_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<UserStore> make_sql_user_store(store::Database& db, const Clock& clock) {
  return std::make_unique<SqlUserStore>(db, clock);
}

}  // namespace dokkerr::users
