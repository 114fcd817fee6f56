#include "auth/identity_store.hpp"

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "store/database.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace dokkerr::auth {
namespace {

using store::Row;
using store::Value;

constexpr std::string_view kUserColumns =
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

Value optional_value(const std::optional<std::string>& text) {
  if (text) return *text;
  return nullptr;
}

template <typename Fn>
void rethrow_unique(Fn&& fn, std::string_view code, std::string_view detail) {
  try {
    fn();
  } catch (const Error& error) {
    if (error.code() != "unique_violation") throw;
    throw Error::conflict(std::string(code), std::string(detail));
  }
}

std::string select_users(std::string_view where) {
  return "SELECT " + std::string(kUserColumns) + " FROM users " + std::string(where);
}

}  // namespace

std::int64_t IdentityStore::count_users() {
  return db_.query("SELECT COUNT(*) FROM users").at(0).integer(0);
}

void IdentityStore::insert_user(const User& user) {
  rethrow_unique(
      [&] {
        db_.execute(
            "INSERT INTO users (id, username, username_key, email, display_name, avatar_url, "
            "preferences, password_hash, is_admin, disabled, oidc_provider, oidc_subject, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {user.id, user.username, username_key(user.username), user.email, user.display_name,
             user.avatar_url, user.preferences_json, optional_value(user.password_hash),
             std::int64_t{user.is_admin ? 1 : 0}, std::int64_t{user.disabled ? 1 : 0},
             optional_value(user.oidc_provider), optional_value(user.oidc_subject),
             user.created_at, user.updated_at});
      },
      "username_taken", "That username is taken.");
}

std::optional<User> IdentityStore::find_user(std::string_view id) {
  const auto rows = db_.query(select_users("WHERE id = ?"), {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return user_from(rows.front());
}

std::optional<User> IdentityStore::find_user_by_username(std::string_view username) {
  const auto rows = db_.query(select_users("WHERE username_key = ?"), {username_key(username)});
  if (rows.empty()) return std::nullopt;
  return user_from(rows.front());
}

std::optional<User> IdentityStore::find_user_by_oidc(std::string_view provider,
                                                     std::string_view subject) {
  const auto rows = db_.query(select_users("WHERE oidc_provider = ? AND oidc_subject = ?"),
                              {std::string(provider), std::string(subject)});
  if (rows.empty()) return std::nullopt;
  return user_from(rows.front());
}

std::vector<User> IdentityStore::list_users(std::size_t limit, std::string_view after_username) {
  std::vector<User> users;
  for (const auto& row :
       db_.query(select_users("WHERE username_key > ? ORDER BY username_key LIMIT ?"),
                 {username_key(after_username), static_cast<std::int64_t>(limit)})) {
    users.push_back(user_from(row));
  }
  return users;
}

void IdentityStore::update_profile(const User& user) {
  db_.execute(
      "UPDATE users SET email = ?, display_name = ?, avatar_url = ?, preferences = ?, "
      "updated_at = ? WHERE id = ?",
      {user.email, user.display_name, user.avatar_url, user.preferences_json, now_rfc3339(),
       user.id});
}

void IdentityStore::set_password_hash(std::string_view user_id, std::string_view hash) {
  db_.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
              {std::string(hash), now_rfc3339(), std::string(user_id)});
}

void IdentityStore::set_disabled(std::string_view user_id, bool disabled) {
  db_.execute("UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?",
              {std::int64_t{disabled ? 1 : 0}, now_rfc3339(), std::string(user_id)});
}

void IdentityStore::set_admin(std::string_view user_id, bool admin) {
  db_.execute("UPDATE users SET is_admin = ?, updated_at = ? WHERE id = ?",
              {std::int64_t{admin ? 1 : 0}, now_rfc3339(), std::string(user_id)});
}

void IdentityStore::set_mfa(std::string_view user_id, bool enabled,
                            const std::optional<std::string>& secret) {
  db_.execute(
      "UPDATE users SET mfa_enabled = ?, mfa_secret = ?, mfa_last_step = 0, updated_at = ? "
      "WHERE id = ?",
      {std::int64_t{enabled ? 1 : 0}, optional_value(secret), now_rfc3339(), std::string(user_id)});
}

bool IdentityStore::advance_mfa_step(std::string_view user_id, std::int64_t step) {
  // One conditional UPDATE: two logins racing with the same code cannot both succeed.
  return db_.execute("UPDATE users SET mfa_last_step = ? WHERE id = ? AND mfa_last_step < ?",
                     {step, std::string(user_id), step}) == 1;
}

void IdentityStore::touch_login(std::string_view user_id) {
  db_.execute("UPDATE users SET last_login_at = ? WHERE id = ?",
              {now_rfc3339(), std::string(user_id)});
}

bool IdentityStore::delete_user(std::string_view user_id) {
  bool deleted = false;
  db_.transaction([&](store::Database& tx) {
    // Explicit deletes: PostgreSQL cascades, but the order must not depend on that.
    for (const auto* table : {"team_members", "org_members", "api_keys", "recovery_codes"}) {
      tx.execute(std::string("DELETE FROM ") + table + " WHERE user_id = ?", {std::string(user_id)});
    }
    tx.execute(
        "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ?)",
        {std::string(user_id)});
    tx.execute("DELETE FROM sessions WHERE user_id = ?", {std::string(user_id)});
    deleted = tx.execute("DELETE FROM users WHERE id = ?", {std::string(user_id)}) == 1;
  });
  return deleted;
}

void IdentityStore::insert_organization(const Organization& org) {
  rethrow_unique(
      [&] {
        db_.execute(
            "INSERT INTO organizations (id, name, display_name, created_at) VALUES (?, ?, ?, ?)",
            {org.id, org.name, org.display_name, org.created_at});
      },
      "organization_exists", "An organization with that name exists.");
}

std::optional<Organization> IdentityStore::find_organization(std::string_view id) {
  const auto rows = db_.query(
      "SELECT id, name, display_name, created_at FROM organizations WHERE id = ?", {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return Organization{rows[0].text(0), rows[0].text(1), rows[0].text(2), rows[0].text(3)};
}

std::vector<Organization> IdentityStore::list_organizations() {
  std::vector<Organization> orgs;
  for (const auto& row :
       db_.query("SELECT id, name, display_name, created_at FROM organizations ORDER BY name")) {
    orgs.push_back(Organization{row.text(0), row.text(1), row.text(2), row.text(3)});
  }
  return orgs;
}

bool IdentityStore::delete_organization(std::string_view id) {
  bool deleted = false;
  db_.transaction([&](store::Database& tx) {
    const std::string org(id);
    tx.execute("DELETE FROM team_members WHERE team_id IN (SELECT id FROM teams WHERE org_id = ?)",
               {org});
    tx.execute("DELETE FROM environment_grants WHERE grantee_type = 'team' AND grantee_id IN "
               "(SELECT id FROM teams WHERE org_id = ?)",
               {org});
    tx.execute("DELETE FROM environment_grants WHERE grantee_type = 'organization' AND grantee_id = ?",
               {org});
    tx.execute("DELETE FROM teams WHERE org_id = ?", {org});
    tx.execute("DELETE FROM roles WHERE org_id = ?", {org});
    tx.execute("DELETE FROM org_members WHERE org_id = ?", {org});
    deleted = tx.execute("DELETE FROM organizations WHERE id = ?", {org}) == 1;
  });
  return deleted;
}

void IdentityStore::insert_team(const Team& team) {
  rethrow_unique(
      [&] {
        db_.execute(
            "INSERT INTO teams (id, org_id, name, policy, created_at) VALUES (?, ?, ?, ?, ?)",
            {team.id, team.org_id, team.name, team.policy_json, team.created_at});
      },
      "team_exists", "The organization already has a team with that name.");
}

std::optional<Team> IdentityStore::find_team(std::string_view id) {
  const auto rows = db_.query(
      "SELECT id, org_id, name, policy, created_at FROM teams WHERE id = ?", {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return Team{rows[0].text(0), rows[0].text(1), rows[0].text(2), rows[0].text(3), rows[0].text(4)};
}

std::vector<Team> IdentityStore::list_teams(std::optional<std::string_view> org_id) {
  std::vector<Team> teams;
  const auto rows =
      org_id ? db_.query("SELECT id, org_id, name, policy, created_at FROM teams WHERE org_id = ? "
                         "ORDER BY name",
                         {std::string(*org_id)})
             : db_.query("SELECT id, org_id, name, policy, created_at FROM teams ORDER BY name");
  for (const auto& row : rows) {
    teams.push_back(Team{row.text(0), row.text(1), row.text(2), row.text(3), row.text(4)});
  }
  return teams;
}

bool IdentityStore::delete_team(std::string_view id) {
  bool deleted = false;
  db_.transaction([&](store::Database& tx) {
    tx.execute("DELETE FROM team_members WHERE team_id = ?", {std::string(id)});
    tx.execute("DELETE FROM environment_grants WHERE grantee_type = 'team' AND grantee_id = ?",
               {std::string(id)});
    deleted = tx.execute("DELETE FROM teams WHERE id = ?", {std::string(id)}) == 1;
  });
  return deleted;
}

void IdentityStore::set_team_policy(std::string_view team_id, std::string_view policy_json) {
  db_.execute("UPDATE teams SET policy = ? WHERE id = ?",
              {std::string(policy_json), std::string(team_id)});
}

void IdentityStore::put_team_member(std::string_view team_id, std::string_view user_id,
                                    std::string_view role) {
  db_.transaction([&](store::Database& tx) {
    tx.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?",
               {std::string(team_id), std::string(user_id)});
    tx.execute("INSERT INTO team_members (team_id, user_id, role) VALUES (?, ?, ?)",
               {std::string(team_id), std::string(user_id), std::string(role)});
  });
}

bool IdentityStore::remove_team_member(std::string_view team_id, std::string_view user_id) {
  return db_.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?",
                     {std::string(team_id), std::string(user_id)}) == 1;
}

std::vector<Membership> IdentityStore::team_members(std::string_view team_id) {
  std::vector<Membership> members;
  for (const auto& row : db_.query(
           "SELECT m.team_id, m.user_id, u.username, m.role FROM team_members m JOIN users u ON "
           "u.id = m.user_id WHERE m.team_id = ? ORDER BY u.username_key",
           {std::string(team_id)})) {
    members.push_back(Membership{row.text(0), row.text(1), row.text(2), row.text(3)});
  }
  return members;
}

void IdentityStore::put_org_member(std::string_view org_id, std::string_view user_id,
                                   std::string_view role) {
  db_.transaction([&](store::Database& tx) {
    tx.execute("DELETE FROM org_members WHERE org_id = ? AND user_id = ?",
               {std::string(org_id), std::string(user_id)});
    tx.execute("INSERT INTO org_members (org_id, user_id, role) VALUES (?, ?, ?)",
               {std::string(org_id), std::string(user_id), std::string(role)});
  });
}

bool IdentityStore::remove_org_member(std::string_view org_id, std::string_view user_id) {
  return db_.execute("DELETE FROM org_members WHERE org_id = ? AND user_id = ?",
                     {std::string(org_id), std::string(user_id)}) == 1;
}

std::vector<Membership> IdentityStore::org_members(std::string_view org_id) {
  std::vector<Membership> members;
  for (const auto& row : db_.query(
           "SELECT m.org_id, m.user_id, u.username, m.role FROM org_members m JOIN users u ON "
           "u.id = m.user_id WHERE m.org_id = ? ORDER BY u.username_key",
           {std::string(org_id)})) {
    members.push_back(Membership{row.text(0), row.text(1), row.text(2), row.text(3)});
  }
  return members;
}

void IdentityStore::insert_role(const CustomRole& role) {
  boost::json::array permissions;
  for (const auto& p : role.permissions) permissions.emplace_back(p);
  rethrow_unique(
      [&] {
        db_.execute(
            "INSERT INTO roles (id, org_id, name, permissions, created_at) VALUES (?, ?, ?, ?, ?)",
            {role.id, role.org_id, role.name, boost::json::serialize(permissions), role.created_at});
      },
      "role_exists", "The organization already has a role with that name.");
}

std::optional<CustomRole> IdentityStore::find_role(std::string_view id) {
  const auto rows = db_.query(
      "SELECT id, org_id, name, permissions, created_at FROM roles WHERE id = ?", {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return CustomRole{rows[0].text(0), rows[0].text(1), rows[0].text(2),
                    json::stored_string_list(rows[0].text(3)), rows[0].text(4)};
}

std::vector<CustomRole> IdentityStore::list_roles(std::string_view org_id) {
  std::vector<CustomRole> roles;
  for (const auto& row :
       db_.query("SELECT id, org_id, name, permissions, created_at FROM roles WHERE org_id = ? "
                 "ORDER BY name",
                 {std::string(org_id)})) {
    roles.push_back(CustomRole{row.text(0), row.text(1), row.text(2),
                               json::stored_string_list(row.text(3)), row.text(4)});
  }
  return roles;
}

bool IdentityStore::delete_role(std::string_view id) {
  bool deleted = false;
  db_.transaction([&](store::Database& tx) {
    tx.execute("DELETE FROM team_members WHERE role = ?", {"role:" + std::string(id)});
    deleted = tx.execute("DELETE FROM roles WHERE id = ?", {std::string(id)}) == 1;
  });
  return deleted;
}

void IdentityStore::put_grant(const Grant& grant) {
  db_.transaction([&](store::Database& tx) {
    tx.execute(
        "DELETE FROM environment_grants WHERE environment_id = ? AND grantee_type = ? AND "
        "grantee_id = ?",
        {grant.environment_id, grant.grantee_type, grant.grantee_id});
    tx.execute(
        "INSERT INTO environment_grants (environment_id, grantee_type, grantee_id, created_at) "
        "VALUES (?, ?, ?, ?)",
        {grant.environment_id, grant.grantee_type, grant.grantee_id, grant.created_at});
  });
}

bool IdentityStore::remove_grant(std::string_view environment_id, std::string_view type,
                                 std::string_view id) {
  return db_.execute(
             "DELETE FROM environment_grants WHERE environment_id = ? AND grantee_type = ? AND "
             "grantee_id = ?",
             {std::string(environment_id), std::string(type), std::string(id)}) == 1;
}

std::vector<Grant> IdentityStore::list_grants(std::string_view environment_id) {
  std::vector<Grant> grants;
  for (const auto& row :
       db_.query("SELECT environment_id, grantee_type, grantee_id, created_at FROM "
                 "environment_grants WHERE environment_id = ? ORDER BY grantee_type, grantee_id",
                 {std::string(environment_id)})) {
    grants.push_back(Grant{row.text(0), row.text(1), row.text(2), row.text(3)});
  }
  return grants;
}

void IdentityStore::load_access(const User& user, Principal& principal) {
  principal.is_admin = user.is_admin;
  // Organization roles: owners and admins manage the organization and act as team admins in
  // each of its teams.
  const auto team_admin = team_role_permissions("admin").value_or(PermissionSet{});
  for (const auto& row : db_.query("SELECT org_id, role FROM org_members WHERE user_id = ?",
                                   {user.id})) {
    const auto org = row.text(0);
    auto permissions = org_role_permissions(row.text(1)).value_or(PermissionSet{});
    principal.org_permissions[org].insert(permissions.begin(), permissions.end());
    if (permissions.empty()) continue;
    for (const auto& team : db_.query("SELECT id FROM teams WHERE org_id = ?", {org})) {
      principal.team_permissions[team.text(0)].insert(team_admin.begin(), team_admin.end());
      principal.team_orgs[team.text(0)] = org;
    }
  }
  for (const auto& row : db_.query(
           "SELECT m.team_id, t.org_id, m.role FROM team_members m JOIN teams t ON t.id = m.team_id "
           "WHERE m.user_id = ?",
           {user.id})) {
    const auto team = row.text(0);
    const auto org = row.text(1);
    const auto role = row.text(2);
    PermissionSet permissions;
    if (auto builtin = team_role_permissions(role)) {
      permissions = std::move(*builtin);
    } else if (role.starts_with("role:")) {
      const auto custom = find_role(std::string_view(role).substr(5));
      if (custom && custom->org_id == org) {
        for (const auto& p : custom->permissions) {
          if (perm::is_team_permission(p)) permissions.insert(p);
        }
      }
    }
    principal.team_permissions[team].insert(permissions.begin(), permissions.end());
    principal.team_orgs[team] = org;
    principal.org_permissions.try_emplace(org);
  }
  // Environments granted to one of the caller's teams, or to an organization whose teams they
  // are in (every team of an organization the caller belongs to).
  for (const auto& row : db_.query(
           "SELECT environment_id, grantee_type, grantee_id FROM environment_grants")) {
    const auto environment = row.text(0);
    const auto type = row.text(1);
    const auto grantee = row.text(2);
    for (const auto& [team, org] : principal.team_orgs) {
      if ((type == "team" && grantee == team) || (type == "organization" && grantee == org)) {
        principal.environment_teams[environment].insert(team);
      }
    }
  }
}

std::string user_json(const User& user) {
  boost::json::object object{
      {"id", user.id},
      {"username", user.username},
      {"email", user.email},
      {"display_name", user.display_name},
      {"avatar_url", user.avatar_url},
      {"preferences", json::parse(user.preferences_json)},
      {"is_admin", user.is_admin},
      {"disabled", user.disabled},
      {"mfa_enabled", user.mfa_enabled},
      {"auth_source", user.oidc_provider ? "oidc" : "local"},
      {"created_at", user.created_at},
      {"updated_at", user.updated_at},
  };
  if (user.last_login_at) {
    object["last_login_at"] = *user.last_login_at;
  } else {
    object["last_login_at"] = nullptr;
  }
  return boost::json::serialize(object);
}

}  // namespace dokkerr::auth
