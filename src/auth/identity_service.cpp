#include "auth/identity_service.hpp"

#include "auth/auth_service.hpp"
#include "auth/session_service.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "policy/policy.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;
using boost::json::array;
using boost::json::object;

constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxTextBytes = 512;

Error user_not_found() { return Error::not_found("user_not_found", "No such user."); }
Error team_not_found() { return Error::not_found("team_not_found", "No such team."); }
Error org_not_found() {
  return Error::not_found("organization_not_found", "No such organization.");
}

// Names of organizations, teams and roles: 1–64 of [A-Za-z0-9._-].
std::string checked_name(const object& body, std::string_view field) {
  auto name = json::required_string(body, field);
  const bool valid = !name.empty() && name.size() <= kMaxNameBytes &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' ||
                              c == '_' || c == '-';
                     });
  if (!valid) {
    throw Error::invalid("invalid_name", std::string(field) +
                                             " must be 1–64 characters of letters, digits, '.', "
                                             "'_' and '-'.");
  }
  return name;
}

std::optional<std::string> bounded_text(const object& body, std::string_view field) {
  auto value = json::optional_string(body, field);
  if (value && value->size() > kMaxTextBytes) {
    throw Error::invalid("invalid_body", std::string(field) + " is longer than 512 bytes.");
  }
  return value;
}

std::string org_json(const Organization& org) {
  return boost::json::serialize(object{{"id", org.id},
                                       {"name", org.name},
                                       {"display_name", org.display_name},
                                       {"created_at", org.created_at}});
}

object team_object(const Team& team) {
  return object{{"id", team.id}, {"org_id", team.org_id}, {"name", team.name},
                {"created_at", team.created_at}};
}

std::string items(const std::vector<std::string>& serialized) {
  std::string out = R"({"items":[)";
  for (std::size_t i = 0; i < serialized.size(); ++i) {
    if (i > 0) out += ',';
    out += serialized[i];
  }
  out += R"(],"next_cursor":null})";
  return out;
}

std::string members_json(const std::vector<Membership>& members) {
  std::vector<std::string> out;
  for (const auto& m : members) {
    out.push_back(boost::json::serialize(
        object{{"user_id", m.user_id}, {"username", m.username}, {"role", m.role}}));
  }
  return items(out);
}

std::string role_json(const CustomRole& role) {
  array permissions;
  for (const auto& p : role.permissions) permissions.emplace_back(p);
  return boost::json::serialize(object{{"id", role.id},
                                       {"org_id", role.org_id},
                                       {"name", role.name},
                                       {"permissions", permissions},
                                       {"created_at", role.created_at}});
}

std::string policy_document(const Team& team) {
  const auto policy = policy::policy_from_json(team.policy_json);
  return R"({"team_id":")" + team.id + R"(","policy":)" + policy::to_json(policy) + "}";
}

}  // namespace

void only_fields(const object& body, std::initializer_list<std::string_view> allowed) {
  for (const auto& field : body) {
    const std::string_view key = field.key();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      throw Error::invalid("unknown_field", "The field " + std::string(key) +
                                                " cannot be set here.");
    }
  }
}

// ------------------------------------------------------------------------------------ accounts

asio::awaitable<std::string> IdentityService::list_users(std::size_t limit, std::string cursor) {
  auto list = [&] {
    auto users = store_.list_users(limit + 1, cursor);
    std::string next = "null";
    if (users.size() > limit) {
      users.resize(limit);
      next = "\"" + username_key(users.back().username) + "\"";
    }
    std::string out = R"({"items":[)";
    for (std::size_t i = 0; i < users.size(); ++i) {
      if (i > 0) out += ',';
      out += user_json(users[i]);
    }
    return out + R"(],"next_cursor":)" + next + "}";
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<std::string> IdentityService::create_user(object body) {
  only_fields(body, {"username", "password", "email", "display_name", "avatar_url", "is_admin"});
  User user;
  user.id = random_hex(16);
  user.username = json::required_string(body, "username");
  check_username(user.username);
  user.email = bounded_text(body, "email").value_or("");
  user.display_name = bounded_text(body, "display_name").value_or("");
  user.avatar_url = bounded_text(body, "avatar_url").value_or("");
  user.is_admin = json::optional_bool(body, "is_admin").value_or(false);
  user.password_hash = co_await auth_.hash_new_password(json::required_string(body, "password"));
  user.created_at = user.updated_at = now_rfc3339();
  auto insert = [&] { store_.insert_user(user); };
  co_await pool_.run(insert);
  co_return user_json(user);
}

asio::awaitable<std::string> IdentityService::get_user(Caller caller, std::string id) {
  auto find = [&] { return store_.find_user(id); };
  auto user = co_await pool_.run(find);
  if (!user) throw user_not_found();
  (void)caller;
  co_return user_json(*user);
}

asio::awaitable<std::string> IdentityService::update_user(Caller caller, std::string id,
                                                          object body) {
  only_fields(body, {"email", "display_name", "avatar_url", "disabled", "is_admin"});
  const auto email = bounded_text(body, "email");
  const auto display_name = bounded_text(body, "display_name");
  const auto avatar_url = bounded_text(body, "avatar_url");
  const auto disabled = json::optional_bool(body, "disabled");
  const auto is_admin = json::optional_bool(body, "is_admin");
  if (id == caller->user_id && ((disabled && *disabled) || (is_admin && !*is_admin))) {
    // Locking yourself out is never what an admin means; another admin can do it.
    throw Error::conflict("cannot_demote_self", "Admins cannot disable or demote themselves.");
  }
  auto update = [&] {
    auto user = store_.find_user(id);
    if (!user) throw user_not_found();
    if (email) user->email = *email;
    if (display_name) user->display_name = *display_name;
    if (avatar_url) user->avatar_url = *avatar_url;
    store_.update_profile(*user);
    if (disabled && *disabled != user->disabled) {
      store_.set_disabled(id, *disabled);
      if (*disabled) sessions_.revoke_all(id, "disabled");
    }
    if (is_admin && *is_admin != user->is_admin) {
      store_.set_admin(id, *is_admin);
      sessions_.revoke_all(id, "role_change");
    }
    return user_json(*store_.find_user(id));
  };
  co_return co_await pool_.run(update);
}

asio::awaitable<void> IdentityService::delete_user(Caller caller, std::string id) {
  if (id == caller->user_id) {
    throw Error::conflict("cannot_delete_self", "Admins cannot delete their own account.");
  }
  auto remove = [&] { return store_.delete_user(id); };
  if (!co_await pool_.run(remove)) throw user_not_found();
}

asio::awaitable<std::string> IdentityService::me(Caller caller) {
  auto find = [&] { return store_.find_user(caller->user_id); };
  auto user = co_await pool_.run(find);
  if (!user) throw user_not_found();
  co_return user_json(*user);
}

asio::awaitable<std::string> IdentityService::update_me(Caller caller, object body) {
  only_fields(body, {"email", "display_name", "avatar_url", "preferences"});
  const auto email = bounded_text(body, "email");
  const auto display_name = bounded_text(body, "display_name");
  const auto avatar_url = bounded_text(body, "avatar_url");
  std::optional<std::string> preferences;
  if (const auto* value = body.if_contains("preferences")) {
    if (!value->is_object()) throw Error::invalid("invalid_body", "preferences must be an object.");
    preferences = boost::json::serialize(*value);
    if (preferences->size() > 16 * 1024) {
      throw Error::invalid("invalid_body", "preferences must stay under 16 KiB.");
    }
    if (const auto* theme = value->as_object().if_contains("theme");
        theme != nullptr && !(theme->is_string() &&
                              (theme->as_string() == "light" || theme->as_string() == "dark" ||
                               theme->as_string() == "system"))) {
      throw Error::invalid("invalid_body", "preferences.theme is light, dark or system.");
    }
  }
  auto update = [&] {
    auto user = store_.find_user(caller->user_id);
    if (!user) throw user_not_found();
    if (email) user->email = *email;
    if (display_name) user->display_name = *display_name;
    if (avatar_url) user->avatar_url = *avatar_url;
    if (preferences) user->preferences_json = *preferences;
    store_.update_profile(*user);
    return user_json(*store_.find_user(caller->user_id));
  };
  co_return co_await pool_.run(update);
}

std::string IdentityService::permissions_json(const Principal& caller) {
  object out;
  out["user_id"] = caller.user_id;
  out["is_admin"] = caller.is_admin;
  array platform;
  if (caller.is_admin) {
    for (const auto p : perm::all_permissions()) {
      if (caller.scope_allows(p)) platform.emplace_back(p);
    }
  }
  out["platform"] = platform;
  auto to_array = [&](const PermissionSet& set) {
    array list;
    for (const auto& p : set) {
      if (caller.scope_allows(p)) list.emplace_back(p);
    }
    return list;
  };
  object teams;
  for (const auto& [team, set] : caller.team_permissions) teams[team] = to_array(set);
  out["teams"] = teams;
  object orgs;
  for (const auto& [org, set] : caller.org_permissions) orgs[org] = to_array(set);
  out["organizations"] = orgs;
  object environments;
  for (const auto& [environment, set] : caller.environment_teams) {
    array list;
    for (const auto& team : set) list.emplace_back(team);
    environments[environment] = list;
  }
  out["environments"] = environments;
  if (caller.scopes) out["scopes"] = to_array(*caller.scopes);
  return boost::json::serialize(out);
}

// ------------------------------------------------------------------------------- organizations

Organization IdentityService::visible_organization(const Principal& caller, std::string_view id) {
  auto org = store_.find_organization(id);
  if (!org || !(caller.is_admin || caller.org_permissions.contains(id))) throw org_not_found();
  return *org;
}

asio::awaitable<std::string> IdentityService::list_organizations(Caller caller) {
  auto list = [&] {
    std::vector<std::string> out;
    for (const auto& org : store_.list_organizations()) {
      if (caller->is_admin || caller->org_permissions.contains(org.id)) out.push_back(org_json(org));
    }
    return items(out);
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<std::string> IdentityService::create_organization(Caller caller, object body) {
  only_fields(body, {"name", "display_name"});
  Organization org{random_hex(12), checked_name(body, "name"),
                   bounded_text(body, "display_name").value_or(""), now_rfc3339()};
  auto insert = [&] { store_.insert_organization(org); };
  co_await pool_.run(insert);
  (void)caller;
  co_return org_json(org);
}

asio::awaitable<std::string> IdentityService::get_organization(Caller caller, std::string id) {
  auto find = [&] { return org_json(visible_organization(*caller, id)); };
  co_return co_await pool_.run(find);
}

asio::awaitable<void> IdentityService::delete_organization(std::string id) {
  auto remove = [&] { return store_.delete_organization(id); };
  if (!co_await pool_.run(remove)) throw org_not_found();
}

asio::awaitable<std::string> IdentityService::list_org_members(Caller caller, std::string org) {
  auto list = [&] {
    visible_organization(*caller, org);
    return members_json(store_.org_members(org));
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<void> IdentityService::put_org_member(Caller caller, std::string org,
                                                      std::string user, object body) {
  only_fields(body, {"role"});
  const auto role = json::required_string(body, "role");
  if (!is_org_role(role)) {
    throw Error::invalid("invalid_role", "Organization roles are owner, admin and member.");
  }
  auto put = [&] {
    visible_organization(*caller, org);
    if (!caller->has_in_org(org, perm::org_manage)) throw org_not_found();
    // Only owners (and platform admins) make owners: an org admin cannot promote themselves.
    if (role == "owner" && !caller->is_admin) {
      const auto members = store_.org_members(org);
      const bool owner = std::any_of(members.begin(), members.end(), [&](const auto& m) {
        return m.user_id == caller->user_id && m.role == "owner";
      });
      if (!owner) {
        throw Error(ErrorKind::forbidden, "permission_denied", "Only owners can make owners.");
      }
    }
    if (!store_.find_user(user)) throw user_not_found();
    store_.put_org_member(org, user, role);
    sessions_.revoke_all(user, "role_change");
  };
  co_await pool_.run(put);
}

asio::awaitable<void> IdentityService::remove_org_member(Caller caller, std::string org,
                                                         std::string user) {
  auto remove = [&] {
    visible_organization(*caller, org);
    if (!caller->has_in_org(org, perm::org_manage)) throw org_not_found();
    if (!store_.remove_org_member(org, user)) throw user_not_found();
    sessions_.revoke_all(user, "role_change");
  };
  co_await pool_.run(remove);
}

asio::awaitable<std::string> IdentityService::list_roles(Caller caller, std::string org) {
  auto list = [&] {
    visible_organization(*caller, org);
    std::vector<std::string> out;
    for (const auto& role : store_.list_roles(org)) out.push_back(role_json(role));
    return items(out);
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<std::string> IdentityService::create_role(Caller caller, std::string org,
                                                          object body) {
  only_fields(body, {"name", "permissions"});
  CustomRole role{random_hex(12), org, checked_name(body, "name"), {}, now_rfc3339()};
  const auto* permissions = json::optional_array(body, "permissions");
  if (permissions == nullptr || permissions->empty() || permissions->size() > 64) {
    throw Error::invalid("invalid_body", "permissions is a list of 1–64 permission strings.");
  }
  for (const auto& p : *permissions) {
    if (!p.is_string() || !perm::is_team_permission(p.as_string())) {
      throw Error::invalid("invalid_permission",
                           "A custom role holds team permissions only; " +
                               (p.is_string() ? std::string(p.as_string()) : std::string("a non-string")) +
                               " is not one.");
    }
    role.permissions.emplace_back(p.as_string());
  }
  auto insert = [&] {
    visible_organization(*caller, org);
    if (!caller->has_in_org(org, perm::org_manage)) throw org_not_found();
    store_.insert_role(role);
  };
  co_await pool_.run(insert);
  co_return role_json(role);
}

asio::awaitable<void> IdentityService::delete_role(Caller caller, std::string org,
                                                   std::string role) {
  auto remove = [&] {
    visible_organization(*caller, org);
    if (!caller->has_in_org(org, perm::org_manage)) throw org_not_found();
    const auto found = store_.find_role(role);
    if (!found || found->org_id != org) throw Error::not_found("role_not_found", "No such role.");
    store_.delete_role(role);
  };
  co_await pool_.run(remove);
}

// ----------------------------------------------------------------------------------------- teams

Team IdentityService::visible_team(const Principal& caller, std::string_view id) {
  auto team = store_.find_team(id);
  if (!team || !(caller.is_admin || caller.team_permissions.contains(id))) throw team_not_found();
  return *team;
}

void IdentityService::check_role(std::string_view org_id, std::string_view role) {
  if (team_role_permissions(role)) return;
  if (role.starts_with("role:")) {
    const auto custom = store_.find_role(role.substr(5));
    if (custom && custom->org_id == org_id) return;
  }
  throw Error::invalid("invalid_role",
                       "Team roles are admin, developer, operator, viewer or role:<custom role id> "
                       "of the team's organization.");
}

asio::awaitable<std::string> IdentityService::list_teams(Caller caller,
                                                         std::optional<std::string> org) {
  auto list = [&] {
    std::vector<std::string> out;
    const auto teams = org ? store_.list_teams(std::string_view(*org)) : store_.list_teams(std::nullopt);
    for (const auto& team : teams) {
      if (!caller->is_admin && !caller->team_permissions.contains(team.id)) continue;
      auto entry = team_object(team);
      if (const auto held = caller->team_permissions.find(team.id);
          held != caller->team_permissions.end()) {
        array permissions;
        for (const auto& p : held->second) permissions.emplace_back(p);
        entry["my_permissions"] = permissions;
      }
      out.push_back(boost::json::serialize(entry));
    }
    return items(out);
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<std::string> IdentityService::create_team(Caller caller, object body) {
  only_fields(body, {"org_id", "name"});
  Team team{random_hex(12), json::required_string(body, "org_id"), checked_name(body, "name"),
            "{}", now_rfc3339()};
  auto insert = [&] {
    if (!store_.find_organization(team.org_id) || !caller->has_in_org(team.org_id, perm::org_manage)) {
      throw org_not_found();
    }
    store_.insert_team(team);
  };
  co_await pool_.run(insert);
  co_return boost::json::serialize(team_object(team));
}

asio::awaitable<std::string> IdentityService::get_team(Caller caller, std::string id) {
  auto find = [&] { return boost::json::serialize(team_object(visible_team(*caller, id))); };
  co_return co_await pool_.run(find);
}

asio::awaitable<void> IdentityService::delete_team(Caller caller, std::string id) {
  auto remove = [&] {
    const auto team = visible_team(*caller, id);
    if (!caller->has_in_org(team.org_id, perm::org_manage)) {
      throw Error(ErrorKind::forbidden, "permission_denied", "Deleting a team needs org:manage.");
    }
    store_.delete_team(id);
  };
  co_await pool_.run(remove);
}

asio::awaitable<std::string> IdentityService::list_team_members(Caller caller, std::string team) {
  auto list = [&] {
    visible_team(*caller, team);
    return members_json(store_.team_members(team));
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<void> IdentityService::put_team_member(Caller caller, std::string team,
                                                       std::string user, object body) {
  only_fields(body, {"role"});
  const auto role = json::required_string(body, "role");
  auto put = [&] {
    const auto found = visible_team(*caller, team);
    if (!caller->has_in_team(team, perm::team_manage)) {
      throw Error(ErrorKind::forbidden, "permission_denied", "Managing members needs team:manage.");
    }
    check_role(found.org_id, role);
    // A team admin cannot hand out more than a team admin holds, and custom roles are bounded
    // by the catalog; so membership changes never exceed the granter's own reach.
    if (!store_.find_user(user)) throw user_not_found();
    store_.put_team_member(team, user, role);
    sessions_.revoke_all(user, "role_change", user == caller->user_id ? caller->session_id : "");
  };
  co_await pool_.run(put);
}

asio::awaitable<void> IdentityService::remove_team_member(Caller caller, std::string team,
                                                          std::string user) {
  auto remove = [&] {
    visible_team(*caller, team);
    if (!caller->has_in_team(team, perm::team_manage)) {
      throw Error(ErrorKind::forbidden, "permission_denied", "Managing members needs team:manage.");
    }
    if (!store_.remove_team_member(team, user)) throw user_not_found();
    sessions_.revoke_all(user, "role_change", user == caller->user_id ? caller->session_id : "");
  };
  co_await pool_.run(remove);
}

asio::awaitable<std::string> IdentityService::get_policy(Caller caller, std::string team) {
  auto find = [&] { return policy_document(visible_team(*caller, team)); };
  co_return co_await pool_.run(find);
}

asio::awaitable<std::string> IdentityService::put_policy(Caller caller, std::string team,
                                                         std::string body) {
  const auto parsed = policy::policy_from_json(body);  // strict: unknown keys are refused
  auto put = [&] {
    auto found = visible_team(*caller, team);
    if (!caller->has_in_org(found.org_id, perm::org_manage)) {
      throw Error(ErrorKind::forbidden, "permission_denied",
                  "Relaxing a team's policy needs org:manage in its organization.");
    }
    found.policy_json = policy::to_json(parsed);
    store_.set_team_policy(team, found.policy_json);
    return policy_document(found);
  };
  co_return co_await pool_.run(put);
}

// ---------------------------------------------------------------------------- environment grants

asio::awaitable<std::string> IdentityService::list_grants(std::string environment) {
  auto list = [&] {
    std::vector<std::string> out;
    for (const auto& grant : store_.list_grants(environment)) {
      out.push_back(boost::json::serialize(object{{"environment_id", grant.environment_id},
                                                  {"grantee_type", grant.grantee_type},
                                                  {"grantee_id", grant.grantee_id},
                                                  {"created_at", grant.created_at}}));
    }
    return items(out);
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<void> IdentityService::put_grant(std::string environment, object body) {
  only_fields(body, {"grantee_type", "grantee_id"});
  Grant grant{environment, json::required_string(body, "grantee_type"),
              json::required_string(body, "grantee_id"), now_rfc3339()};
  if (grant.grantee_type != "team" && grant.grantee_type != "organization") {
    throw Error::invalid("invalid_body", "grantee_type is team or organization.");
  }
  auto put = [&] {
    const bool exists = grant.grantee_type == "team"
                            ? store_.find_team(grant.grantee_id).has_value()
                            : store_.find_organization(grant.grantee_id).has_value();
    if (!exists) {
      throw grant.grantee_type == "team" ? team_not_found() : org_not_found();
    }
    store_.put_grant(grant);
  };
  co_await pool_.run(put);
}

asio::awaitable<void> IdentityService::delete_grant(std::string environment, std::string type,
                                                    std::string id) {
  auto remove = [&] { return store_.remove_grant(environment, type, id); };
  if (!co_await pool_.run(remove)) throw Error::not_found("grant_not_found", "No such grant.");
}

}  // namespace dokkerr::auth
