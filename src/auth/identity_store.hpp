#pragma once
// Accounts, organizations, teams, memberships, custom roles and environment grants in the
// database. Every call blocks: run it on the BlockingPool.
#include "core/principal.hpp"
#include "users/password.hpp"
#include "users/roles.hpp"
#include "users/username.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::store {
class Database;
}

namespace dokkerr::auth {

struct User {
  std::string id, username, email, display_name, avatar_url;
  std::string preferences_json = "{}";
  std::optional<std::string> password_hash;  // none for accounts that only sign in via OIDC
  bool is_admin = false, disabled = false, mfa_enabled = false;
  std::optional<std::string> mfa_secret;  // sealed
  std::int64_t mfa_last_step = 0;
  std::optional<std::string> oidc_provider, oidc_subject;
  std::string created_at, updated_at;
  std::optional<std::string> last_login_at;
};

struct Organization {
  std::string id, name, display_name, created_at;
};

struct Team {
  std::string id, org_id, name, policy_json, created_at;
};

struct Membership {
  std::string scope_id;  // team or organization id
  std::string user_id, username, role;
};

struct CustomRole {
  std::string id, org_id, name;
  std::vector<std::string> permissions;
  std::string created_at;
};

struct Grant {
  std::string environment_id, grantee_type, grantee_id, created_at;  // type: team | organization
};

// Transitional: these moved to src/users/.
using users::Argon2Params;
using users::check_new_password;
using users::check_username;
using users::hash_password;
using users::is_org_role;
using users::kMaxPasswordBytes;
using users::org_role_permissions;
using users::PasswordCheck;
using users::team_role_permissions;
using users::username_key;
using users::verify_password;

class IdentityStore {
 public:
  explicit IdentityStore(store::Database& db) : db_(db) {}

  // Users
  std::int64_t count_users();
  void insert_user(const User& user);  // conflict "username_taken"
  std::optional<User> find_user(std::string_view id);
  std::optional<User> find_user_by_username(std::string_view username);
  std::optional<User> find_user_by_oidc(std::string_view provider, std::string_view subject);
  std::vector<User> list_users(std::size_t limit, std::string_view after_username);
  void update_profile(const User& user);  // email, display name, avatar, preferences
  void set_password_hash(std::string_view user_id, std::string_view hash);
  void set_disabled(std::string_view user_id, bool disabled);
  void set_admin(std::string_view user_id, bool admin);
  void set_mfa(std::string_view user_id, bool enabled, const std::optional<std::string>& secret);
  // Records a used TOTP step unless a later one was recorded; false when the step is stale.
  bool advance_mfa_step(std::string_view user_id, std::int64_t step);
  void touch_login(std::string_view user_id);
  bool delete_user(std::string_view user_id);

  // Organizations and teams
  void insert_organization(const Organization& org);  // conflict "organization_exists"
  std::optional<Organization> find_organization(std::string_view id);
  std::vector<Organization> list_organizations();
  bool delete_organization(std::string_view id);
  void insert_team(const Team& team);  // conflict "team_exists"
  std::optional<Team> find_team(std::string_view id);
  std::vector<Team> list_teams(std::optional<std::string_view> org_id);
  bool delete_team(std::string_view id);
  void set_team_policy(std::string_view team_id, std::string_view policy_json);

  // Memberships (role: team roles, "role:<custom id>", or org roles)
  void put_team_member(std::string_view team_id, std::string_view user_id, std::string_view role);
  bool remove_team_member(std::string_view team_id, std::string_view user_id);
  std::vector<Membership> team_members(std::string_view team_id);
  void put_org_member(std::string_view org_id, std::string_view user_id, std::string_view role);
  bool remove_org_member(std::string_view org_id, std::string_view user_id);
  std::vector<Membership> org_members(std::string_view org_id);

  // Custom roles
  void insert_role(const CustomRole& role);  // conflict "role_exists"
  std::optional<CustomRole> find_role(std::string_view id);
  std::vector<CustomRole> list_roles(std::string_view org_id);
  bool delete_role(std::string_view id);

  // Environment grants
  void put_grant(const Grant& grant);
  bool remove_grant(std::string_view environment_id, std::string_view type, std::string_view id);
  std::vector<Grant> list_grants(std::string_view environment_id);

  // Fills the permission maps of a principal for this user (teams, orgs, environments).
  void load_access(const User& user, Principal& principal);

 private:
  store::Database& db_;
};

// The public view of a user (never the hash, the MFA secret or the OIDC subject).
std::string user_json(const User& user);

}  // namespace dokkerr::auth
