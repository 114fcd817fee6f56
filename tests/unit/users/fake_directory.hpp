#pragma once
// In-memory stand-ins for the users domain's stores, over one shared Directory so that they see
// each other's rows the way the SQL stores see one database: the same orders, the same
// conflicts, the same cascades (sql_*_store_test.cpp pins the SQL side down).
#include "core/clock.hpp"
#include "core/error.hpp"
#include "users/access_store.hpp"
#include "users/grant_store.hpp"
#include "users/organization_store.hpp"
#include "users/session_revoker.hpp"
#include "users/team_store.hpp"
#include "users/user_store.hpp"
#include "users/username.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace dokkerr::users::testing {

struct Directory {
  using Key = std::pair<std::string, std::string>;  // (team or org, user)

  std::recursive_mutex mutex;
  std::map<std::string, User> users;  // by id
  std::map<std::string, Organization> orgs;
  std::map<std::string, Team> teams;
  std::map<std::string, CustomRole> roles;
  std::map<Key, std::string> org_members;
  std::map<Key, std::string> team_members;
  std::vector<Grant> grants;

  std::vector<Membership> members_of(const std::map<Key, std::string>& table,
                                     std::string_view scope) {
    std::vector<Membership> out;
    for (const auto& [key, role] : table) {
      if (key.first != scope) continue;
      out.push_back(Membership{key.first, key.second, users.at(key.second).username, role});
    }
    std::sort(out.begin(), out.end(), [](const Membership& a, const Membership& b) {
      return username_key(a.username) < username_key(b.username);
    });
    return out;
  }

  void remove_grants_to(std::string_view type, std::string_view id) {
    std::erase_if(grants,
                  [&](const Grant& g) { return g.grantee_type == type && g.grantee_id == id; });
  }

  void remove_team(const std::string& id) {
    teams.erase(id);
    std::erase_if(team_members, [&](const auto& entry) { return entry.first.first == id; });
    remove_grants_to("team", id);
  }

  void require_user(std::string_view id) {
    if (!users.contains(std::string(id))) {
      throw Error::conflict("foreign_key_violation", "no such user row");
    }
  }
};

class FakeUserStore final : public UserStore {
 public:
  FakeUserStore(Directory& directory, const Clock& clock) : d_(directory), clock_(clock) {}

  std::int64_t count() override {
    const std::lock_guard lock(d_.mutex);
    return static_cast<std::int64_t>(d_.users.size());
  }
  void insert(const User& user) override {
    const std::lock_guard lock(d_.mutex);
    for (const auto& [id, other] : d_.users) {
      const bool same_oidc = user.oidc_provider && user.oidc_subject &&
                             other.oidc_provider == user.oidc_provider &&
                             other.oidc_subject == user.oidc_subject;
      if (id == user.id || username_key(other.username) == username_key(user.username) ||
          same_oidc) {
        throw Error::conflict("username_taken", "That username is taken.");
      }
    }
    auto stored = user;
    stored.mfa_enabled = false;
    stored.mfa_secret.reset();
    stored.mfa_last_step = 0;
    stored.last_login_at.reset();
    d_.users[user.id] = std::move(stored);
  }
  bool insert_first(const User& user) override {
    const std::lock_guard lock(d_.mutex);
    if (!d_.users.empty()) return false;
    insert(user);
    return true;
  }
  std::optional<User> find(std::string_view id) override {
    const std::lock_guard lock(d_.mutex);
    const auto found = d_.users.find(std::string(id));
    if (found == d_.users.end()) return std::nullopt;
    return found->second;
  }
  std::optional<User> find_by_username(std::string_view username) override {
    const std::lock_guard lock(d_.mutex);
    for (const auto& [id, user] : d_.users) {
      if (username_key(user.username) == username_key(username)) return user;
    }
    return std::nullopt;
  }
  std::optional<User> find_by_oidc(std::string_view issuer, std::string_view subject) override {
    const std::lock_guard lock(d_.mutex);
    for (const auto& [id, user] : d_.users) {
      if (user.oidc_provider == issuer && user.oidc_subject == subject) return user;
    }
    return std::nullopt;
  }
  std::vector<User> list(std::size_t limit, std::string_view after) override {
    const std::lock_guard lock(d_.mutex);
    std::vector<User> out;
    for (const auto& [id, user] : d_.users) {
      if (username_key(user.username) > username_key(after)) out.push_back(user);
    }
    std::sort(out.begin(), out.end(), [](const User& a, const User& b) {
      return username_key(a.username) < username_key(b.username);
    });
    if (out.size() > limit) out.resize(limit);
    return out;
  }
  void update_profile(const User& user) override {
    change(user.id, [&](User& stored) {
      stored.email = user.email;
      stored.display_name = user.display_name;
      stored.avatar_url = user.avatar_url;
      stored.preferences_json = user.preferences_json;
      stored.updated_at = clock_.stamp();
    });
  }
  void set_password_hash(std::string_view id, std::string_view hash) override {
    change(id, [&](User& u) {
      u.password_hash = std::string(hash);
      u.updated_at = clock_.stamp();
    });
  }
  void set_disabled(std::string_view id, bool disabled) override {
    change(id, [&](User& u) {
      u.disabled = disabled;
      u.updated_at = clock_.stamp();
    });
  }
  void set_admin(std::string_view id, bool admin) override {
    change(id, [&](User& u) {
      u.is_admin = admin;
      u.updated_at = clock_.stamp();
    });
  }
  void set_mfa(std::string_view id, bool enabled,
               const std::optional<std::string>& secret) override {
    change(id, [&](User& u) {
      u.mfa_enabled = enabled;
      u.mfa_secret = secret;
      u.mfa_last_step = 0;
      u.updated_at = clock_.stamp();
    });
  }
  void enable_mfa(std::string_view id) override {
    change(id, [&](User& u) { u.mfa_enabled = true; });
  }
  bool advance_mfa_step(std::string_view id, std::int64_t step) override {
    bool advanced = false;
    change(id, [&](User& u) {
      if (u.mfa_last_step >= step) return;
      u.mfa_last_step = step;
      advanced = true;
    });
    return advanced;
  }
  void touch_login(std::string_view id) override {
    change(id, [&](User& u) { u.last_login_at = clock_.stamp(); });
  }
  bool remove(std::string_view id) override {
    const std::lock_guard lock(d_.mutex);
    if (d_.users.erase(std::string(id)) == 0) return false;
    // What the schema cascades.
    std::erase_if(d_.org_members, [&](const auto& e) { return e.first.second == id; });
    std::erase_if(d_.team_members, [&](const auto& e) { return e.first.second == id; });
    return true;
  }

 private:
  template <typename Fn>
  void change(std::string_view id, Fn&& fn) {
    const std::lock_guard lock(d_.mutex);
    const auto found = d_.users.find(std::string(id));
    if (found != d_.users.end()) fn(found->second);
  }

  Directory& d_;
  const Clock& clock_;
};

class FakeOrganizationStore final : public OrganizationStore {
 public:
  explicit FakeOrganizationStore(Directory& directory) : d_(directory) {}

  void insert(const Organization& org) override {
    const std::lock_guard lock(d_.mutex);
    for (const auto& [id, other] : d_.orgs) {
      if (id == org.id || other.name == org.name) {
        throw Error::conflict("organization_exists", "An organization with that name exists.");
      }
    }
    d_.orgs[org.id] = org;
  }
  std::optional<Organization> find(std::string_view id) override {
    const std::lock_guard lock(d_.mutex);
    const auto found = d_.orgs.find(std::string(id));
    if (found == d_.orgs.end()) return std::nullopt;
    return found->second;
  }
  std::vector<Organization> list() override {
    const std::lock_guard lock(d_.mutex);
    std::vector<Organization> out;
    for (const auto& [id, org] : d_.orgs) out.push_back(org);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
  }
  bool remove(std::string_view id) override {
    const std::lock_guard lock(d_.mutex);
    const std::string org(id);
    if (d_.orgs.erase(org) == 0) return false;
    std::vector<std::string> teams;
    for (const auto& [team_id, team] : d_.teams) {
      if (team.org_id == org) teams.push_back(team_id);
    }
    for (const auto& team : teams) d_.remove_team(team);
    std::erase_if(d_.roles, [&](const auto& e) { return e.second.org_id == org; });
    std::erase_if(d_.org_members, [&](const auto& e) { return e.first.first == org; });
    d_.remove_grants_to("organization", org);
    return true;
  }
  void put_member(std::string_view org_id, std::string_view user_id,
                  std::string_view role) override {
    const std::lock_guard lock(d_.mutex);
    d_.require_user(user_id);
    d_.org_members[{std::string(org_id), std::string(user_id)}] = std::string(role);
  }
  bool remove_member(std::string_view org_id, std::string_view user_id) override {
    const std::lock_guard lock(d_.mutex);
    return d_.org_members.erase({std::string(org_id), std::string(user_id)}) == 1;
  }
  std::vector<Membership> members(std::string_view org_id) override {
    const std::lock_guard lock(d_.mutex);
    return d_.members_of(d_.org_members, org_id);
  }
  void insert_role(const CustomRole& role) override {
    const std::lock_guard lock(d_.mutex);
    for (const auto& [id, other] : d_.roles) {
      if (id == role.id || (other.org_id == role.org_id && other.name == role.name)) {
        throw Error::conflict("role_exists", "The organization already has a role with that name.");
      }
    }
    d_.roles[role.id] = role;
  }
  std::optional<CustomRole> find_role(std::string_view id) override {
    const std::lock_guard lock(d_.mutex);
    const auto found = d_.roles.find(std::string(id));
    if (found == d_.roles.end()) return std::nullopt;
    return found->second;
  }
  std::vector<CustomRole> list_roles(std::string_view org_id) override {
    const std::lock_guard lock(d_.mutex);
    std::vector<CustomRole> out;
    for (const auto& [id, role] : d_.roles) {
      if (role.org_id == org_id) out.push_back(role);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
  }
  bool remove_role(std::string_view id) override {
    const std::lock_guard lock(d_.mutex);
    const auto held = "role:" + std::string(id);
    std::erase_if(d_.team_members, [&](const auto& e) { return e.second == held; });
    return d_.roles.erase(std::string(id)) == 1;
  }

 private:
  Directory& d_;
};

class FakeTeamStore final : public TeamStore {
 public:
  explicit FakeTeamStore(Directory& directory) : d_(directory) {}

  void insert(const Team& team) override {
    const std::lock_guard lock(d_.mutex);
    if (!d_.orgs.contains(team.org_id)) {
      throw Error::conflict("foreign_key_violation", "no such organization row");
    }
    for (const auto& [id, other] : d_.teams) {
      if (id == team.id || (other.org_id == team.org_id && other.name == team.name)) {
        throw Error::conflict("team_exists", "The organization already has a team with that name.");
      }
    }
    d_.teams[team.id] = team;
  }
  std::optional<Team> find(std::string_view id) override {
    const std::lock_guard lock(d_.mutex);
    const auto found = d_.teams.find(std::string(id));
    if (found == d_.teams.end()) return std::nullopt;
    return found->second;
  }
  std::vector<Team> list(std::optional<std::string_view> org_id) override {
    const std::lock_guard lock(d_.mutex);
    std::vector<Team> out;
    for (const auto& [id, team] : d_.teams) {
      if (!org_id || team.org_id == *org_id) out.push_back(team);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
  }
  bool remove(std::string_view id) override {
    const std::lock_guard lock(d_.mutex);
    if (!d_.teams.contains(std::string(id))) return false;
    d_.remove_team(std::string(id));
    return true;
  }
  void set_policy(std::string_view team_id, std::string_view policy_json) override {
    const std::lock_guard lock(d_.mutex);
    const auto found = d_.teams.find(std::string(team_id));
    if (found != d_.teams.end()) found->second.policy_json = std::string(policy_json);
  }
  void put_member(std::string_view team_id, std::string_view user_id,
                  std::string_view role) override {
    const std::lock_guard lock(d_.mutex);
    d_.require_user(user_id);
    d_.team_members[{std::string(team_id), std::string(user_id)}] = std::string(role);
  }
  bool remove_member(std::string_view team_id, std::string_view user_id) override {
    const std::lock_guard lock(d_.mutex);
    return d_.team_members.erase({std::string(team_id), std::string(user_id)}) == 1;
  }
  std::vector<Membership> members(std::string_view team_id) override {
    const std::lock_guard lock(d_.mutex);
    return d_.members_of(d_.team_members, team_id);
  }
  std::optional<std::string> member_role(std::string_view team_id,
                                         std::string_view user_id) override {
    const std::lock_guard lock(d_.mutex);
    const auto found = d_.team_members.find({std::string(team_id), std::string(user_id)});
    if (found == d_.team_members.end()) return std::nullopt;
    return found->second;
  }

 private:
  Directory& d_;
};

class FakeGrantStore final : public GrantStore {
 public:
  explicit FakeGrantStore(Directory& directory) : d_(directory) {}

  void put(const Grant& grant) override {
    const std::lock_guard lock(d_.mutex);
    remove(grant.environment_id, grant.grantee_type, grant.grantee_id);
    d_.grants.push_back(grant);
  }
  bool remove(std::string_view environment_id, std::string_view grantee_type,
              std::string_view grantee_id) override {
    const std::lock_guard lock(d_.mutex);
    return std::erase_if(d_.grants, [&](const Grant& g) {
             return g.environment_id == environment_id && g.grantee_type == grantee_type &&
                    g.grantee_id == grantee_id;
           }) == 1;
  }
  std::vector<Grant> list(std::string_view environment_id) override {
    const std::lock_guard lock(d_.mutex);
    std::vector<Grant> out;
    for (const auto& grant : d_.grants) {
      if (grant.environment_id == environment_id) out.push_back(grant);
    }
    std::sort(out.begin(), out.end(), [](const Grant& a, const Grant& b) {
      return std::tie(a.grantee_type, a.grantee_id) < std::tie(b.grantee_type, b.grantee_id);
    });
    return out;
  }

 private:
  Directory& d_;
};

class FakeAccessStore final : public AccessStore {
 public:
  explicit FakeAccessStore(Directory& directory) : d_(directory) {}

  AccessFacts facts_of(std::string_view user_id) override {
    const std::lock_guard lock(d_.mutex);
    ++calls;
    AccessFacts facts;
    for (const auto& [key, role] : d_.org_members) {
      if (key.second != user_id) continue;
      AccessFacts::OrgRole entry{key.first, role, {}};
      for (const auto& [team_id, team] : d_.teams) {
        if (team.org_id == key.first) entry.team_ids.push_back(team_id);
      }
      facts.org_roles.push_back(std::move(entry));
    }
    for (const auto& [key, role] : d_.team_members) {
      if (key.second != user_id) continue;
      AccessFacts::TeamRole entry{key.first, d_.teams.at(key.first).org_id, role, std::nullopt};
      if (role.starts_with("role:")) {
        if (const auto found = d_.roles.find(role.substr(5)); found != d_.roles.end()) {
          entry.custom = found->second;
        }
      }
      facts.team_roles.push_back(std::move(entry));
    }
    facts.grants = d_.grants;
    return facts;
  }

  int calls = 0;

 private:
  Directory& d_;
};

// Records who would have been signed out, instead of signing them out.
class RecordingRevoker final : public SessionRevoker {
 public:
  struct Call {
    std::string user_id, reason, keep;
  };
  void revoke_sessions(std::string_view user_id, std::string_view reason,
                       std::string_view keep) override {
    const std::lock_guard lock(mutex_);
    calls.push_back(Call{std::string(user_id), std::string(reason), std::string(keep)});
  }
  std::vector<Call> calls;

 private:
  std::mutex mutex_;
};

}  // namespace dokkerr::users::testing
