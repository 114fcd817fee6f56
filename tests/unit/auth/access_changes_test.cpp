#include "auth/access_changes.hpp"

#include <gtest/gtest.h>

namespace dokkerr::auth {
namespace {

std::string_view counter_of(std::string_view sql) { return access_counter(store::write_target(sql)); }

TEST(AccessChangesTest, WritesThatCanChangeACallerRaiseTheCounter) {
  for (const auto* sql : {"UPDATE sessions SET revoked_at = ? WHERE user_id = ?",
                          "UPDATE users SET disabled = 1 WHERE id = ?",
                          "update users set password_hash = ? where id = ?",
                          "DELETE FROM api_keys WHERE id = ?",
                          "INSERT INTO team_members (team_id, user_id, role) VALUES (?, ?, ?)",
                          "INSERT INTO org_members (org_id, user_id, role) VALUES (?, ?, ?)",
                          "UPDATE roles SET permissions = ? WHERE id = ?",
                          "INSERT INTO environment_grants VALUES (?, ?, ?, ?)",
                          "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO UPDATE"}) {
    EXPECT_EQ(counter_of(sql), kAccessCounter) << sql;
  }
}

TEST(AccessChangesTest, BookkeepingAndUnreferencedRowsRaiseNothing) {
  for (const auto* sql : {"UPDATE sessions SET last_used_at = ? WHERE id = ?",
                          "UPDATE api_keys SET last_used_at = ? WHERE id = ?",
                          "UPDATE users SET last_login_at = ? WHERE id = ?",
                          "UPDATE users SET mfa_last_step = ? WHERE id = ? AND mfa_last_step < ?",
                          "INSERT INTO sessions (id, user_id) VALUES (?, ?)",
                          "INSERT INTO users (id, username) VALUES (?, ?)",
                          "INSERT INTO audit_log (id) VALUES (?)",
                          "DELETE FROM ws_tickets WHERE expires_at < ?",
                          "SELECT * FROM users"}) {
    EXPECT_EQ(counter_of(sql), "") << sql;
  }
}

}  // namespace
}  // namespace dokkerr::auth
