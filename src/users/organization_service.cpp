#include "users/organization_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/permissions.hpp"
#include "users/roles.hpp"
#include "users/rules.hpp"
#include "users/session_revoker.hpp"
#include "users/user_store.hpp"

#include <algorithm>

namespace dokkerr::users {

namespace asio = boost::asio;

Error not_a_team_permission(std::string_view shown) {
  return Error::invalid("invalid_permission", "A custom role holds team permissions only; " +
                                                  std::string(shown) + " is not one.");
}

Organization OrganizationService::visible(const Principal& caller, std::string_view id) {
  auto org = orgs_.find(id);
  if (!org || !(caller.is_admin || caller.org_permissions.contains(id))) {
    throw organization_not_found();
  }
  return std::move(*org);
}

void OrganizationService::check_manages(const Principal& caller, std::string_view id) {
  visible(caller, id);
  if (!caller.has_in_org(id, perm::org_manage)) throw organization_not_found();
}

asio::awaitable<std::vector<Organization>> OrganizationService::list(Caller caller) {
  auto list = [&] {
    auto orgs = orgs_.list();
    std::erase_if(orgs, [&](const Organization& org) {
      return !(caller->is_admin || caller->org_permissions.contains(org.id));
    });
    return orgs;
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<Organization> OrganizationService::create(NewOrganization request) {
  check_name("name", request.name);
  check_text("display_name", request.display_name);
  Organization org{random_hex(12), std::move(request.name), request.display_name.value_or(""),
                   clock_.stamp()};
  auto insert = [&] { orgs_.insert(org); };
  co_await pool_.run(insert);
  co_return org;
}

asio::awaitable<void> OrganizationService::remove(std::string id) {
  auto remove = [&] { return orgs_.remove(id); };
  const bool removed = co_await pool_.run(remove);
  if (!removed) throw organization_not_found();
}

asio::awaitable<Organization> OrganizationService::get(Caller caller, std::string id) {
  auto find = [&] { return visible(*caller, id); };
  co_return co_await pool_.run(find);
}

asio::awaitable<std::vector<Membership>> OrganizationService::members(Caller caller,
                                                                      std::string org) {
  auto list = [&] {
    visible(*caller, org);
    return orgs_.members(org);
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<void> OrganizationService::put_member(Caller caller, std::string org,
                                                      std::string user, std::string role) {
  if (!is_org_role(role)) {
    throw Error::invalid("invalid_role", "Organization roles are owner, admin and member.");
  }
  auto put = [&] {
    check_manages(*caller, org);
    // Only owners (and platform admins) make owners: an org admin cannot promote themselves.
    if (role == "owner" && !caller->is_admin) {
      const auto members = orgs_.members(org);
      const bool owner = std::any_of(members.begin(), members.end(), [&](const Membership& m) {
        return m.user_id == caller->user_id && m.role == "owner";
      });
      if (!owner) throw permission_denied("Only owners can make owners.");
    }
    if (!users_.find(user)) throw user_not_found();
    orgs_.put_member(org, user, role);
    sessions_.revoke_sessions(user, "role_change");
  };
  co_await pool_.run(put);
}

asio::awaitable<void> OrganizationService::remove_member(Caller caller, std::string org,
                                                         std::string user) {
  auto remove = [&] {
    check_manages(*caller, org);
    if (!orgs_.remove_member(org, user)) throw user_not_found();
    sessions_.revoke_sessions(user, "role_change");
  };
  co_await pool_.run(remove);
}

asio::awaitable<std::vector<CustomRole>> OrganizationService::roles(Caller caller,
                                                                    std::string org) {
  auto list = [&] {
    visible(*caller, org);
    return orgs_.list_roles(org);
  };
  co_return co_await pool_.run(list);
}

asio::awaitable<CustomRole> OrganizationService::create_role(Caller caller, std::string org,
                                                             NewRole request) {
  check_name("name", request.name);
  if (!request.permissions || request.permissions->empty() || request.permissions->size() > 64) {
    throw Error::invalid("invalid_body", "permissions is a list of 1–64 permission strings.");
  }
  for (const auto& p : *request.permissions) {
    if (!perm::is_team_permission(p)) throw not_a_team_permission(p);
  }
  CustomRole role{random_hex(12), org, std::move(request.name), std::move(*request.permissions),
                  clock_.stamp()};
  auto insert = [&] {
    check_manages(*caller, org);
    orgs_.insert_role(role);
  };
  co_await pool_.run(insert);
  co_return role;
}

asio::awaitable<void> OrganizationService::remove_role(Caller caller, std::string org,
                                                       std::string role) {
  auto remove = [&] {
    check_manages(*caller, org);
    const auto found = orgs_.find_role(role);
    if (!found || found->org_id != org) throw Error::not_found("role_not_found", "No such role.");
    orgs_.remove_role(role);
  };
  co_await pool_.run(remove);
}

}  // namespace dokkerr::users
