#include "registries/registry_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/permissions.hpp"
#include "core/principal.hpp"
#include "registries/registry_address.hpp"

#include <algorithm>

namespace dokkerr::registries {
namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxPage = 1000;

Error not_found() {
  return Error::not_found("registry_not_found", "There is no such registry.");
}

Error may_not_manage() {
  return Error(ErrorKind::forbidden, "permission_denied",
               "Managing this registry needs org:manage in its organization, or team:manage in "
               "its team.");
}

bool printable(std::string_view text) {
  return std::none_of(text.begin(), text.end(),
                      [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

void check_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || !printable(name)) {
    throw Error::invalid("invalid_registry", "name: 1-64 printable characters.");
  }
}

void check_login(const std::string& username, const std::string& password) {
  if (username.size() > 255 || !printable(username) ||
      username.find(':') != std::string::npos) {
    throw Error::invalid("invalid_registry",
                         "username: at most 255 printable characters, without ':'.");
  }
  if (password.size() > 8192 || password.find('\0') != std::string::npos) {
    throw Error::invalid("invalid_registry", "password: at most 8192 bytes.");
  }
  if (username.empty() && !password.empty()) {
    throw Error::invalid("invalid_registry", "password: a password needs a username.");
  }
}

std::size_t page_size(std::size_t limit) {
  return limit == 0 ? 100 : std::min(limit, kMaxPage);
}

}  // namespace

RegistryService::RegistryService(RegistryStore& store, RegistryApi& api, Scopes& scopes,
                                 BlockingPool& pool, const Clock& clock,
                                 std::vector<std::string> allowed_registries)
    : store_(store), api_(api), scopes_(scopes), pool_(pool), clock_(clock) {
  for (const auto& entry : allowed_registries) {
    try {
      allowed_.push_back(normalized_address(entry));
    } catch (const Error&) {
      // A listed entry the engine's syntax does not know can match no stored registry.
    }
  }
}

bool RegistryService::sees(const Principal& caller, const Registry& registry) const {
  if (caller.is_admin) return caller.scope_allows(perm::images_read);
  if (caller.has_in_org(registry.organization_id, perm::org_manage)) return true;
  if (!registry.team_id.empty()) return caller.has_in_team(registry.team_id, perm::images_read);
  for (const auto& [team, org] : caller.team_orgs) {
    if (org == registry.organization_id && caller.has_in_team(team, perm::images_read))
      return true;
  }
  return false;
}

bool RegistryService::manages(const Principal& caller, const Registry& registry) const {
  if (caller.has_in_org(registry.organization_id, perm::org_manage)) return true;
  return !registry.team_id.empty() && caller.has_in_team(registry.team_id, perm::team_manage);
}

RegistryEndpoint RegistryService::endpoint(const Principal& caller,
                                           const Registry& registry) const {
  RegistryEndpoint out;
  out.address = registry.address;
  out.insecure = registry.insecure;
  out.username = registry.username;
  out.password = registry.password;
  out.any_address = caller.is_admin || std::find(allowed_.begin(), allowed_.end(),
                                                 registry.address) != allowed_.end();
  return out;
}

RegistryEndpoint RegistryService::endpoint_for_teams(
    const std::set<std::string, std::less<>>& teams, const std::string& address) {
  const auto candidates = store_.for_address(address);
  const Registry* chosen = nullptr;
  for (const auto& registry : candidates) {
    if (!registry.team_id.empty() && teams.contains(registry.team_id)) {
      chosen = &registry;
      break;
    }
  }
  if (chosen == nullptr) {
    std::set<std::string, std::less<>> organizations;
    for (const auto& team : teams) {
      if (team.empty()) continue;
      if (auto org = scopes_.organization_of_team(team)) organizations.insert(std::move(*org));
    }
    for (const auto& registry : candidates) {
      if (registry.team_id.empty() && organizations.contains(registry.organization_id)) {
        chosen = &registry;
        break;
      }
    }
  }
  RegistryEndpoint out;
  out.address = address;
  out.any_address = std::find(allowed_.begin(), allowed_.end(), address) != allowed_.end();
  if (chosen != nullptr) {
    out.insecure = chosen->insecure;
    out.username = chosen->username;
    out.password = chosen->password;
  } else {
    const auto host = address.starts_with('[') ? address.substr(0, address.find(']') + 1)
                                               : address.substr(0, address.find(':'));
    out.insecure = host == "localhost" || host == "[::1]" || host.starts_with("127.");
  }
  return out;
}

asio::awaitable<Registry> RegistryService::visible(const Principal& caller, std::string id) {
  auto load = [this, &id] { return store_.get(id); };
  auto found = co_await pool_.run(load);
  if (!found || !sees(caller, *found)) throw not_found();
  co_return std::move(*found);
}

asio::awaitable<std::vector<Registry>> RegistryService::list(const Principal& caller) {
  std::optional<std::set<std::string, std::less<>>> organizations;
  if (!caller.is_admin) {
    organizations.emplace();
    for (const auto& [team, org] : caller.team_orgs) organizations->insert(org);
    for (const auto& [org, permissions] : caller.org_permissions) organizations->insert(org);
  }
  auto load = [this, &organizations] { return store_.list(organizations); };
  auto all = co_await pool_.run(load);
  std::vector<Registry> out;
  for (auto& registry : all) {
    if (sees(caller, registry)) out.push_back(std::move(registry));
  }
  co_return out;
}

asio::awaitable<Registry> RegistryService::get(const Principal& caller, std::string id) {
  co_return co_await visible(caller, std::move(id));
}

asio::awaitable<Registry> RegistryService::create(const Principal& caller, RegistryDraft draft) {
  check_name(draft.name);
  check_login(draft.username, draft.password);
  Registry registry;
  registry.address = normalized_address(draft.address);
  if (draft.organization_id.empty() == draft.team_id.empty()) {
    throw Error::invalid("invalid_registry",
                         "A registry belongs to an organization (organization_id) or a team "
                         "(team_id): name exactly one.");
  }
  registry.team_id = draft.team_id;
  if (!draft.team_id.empty()) {
    auto organization_of = [this, &draft] { return scopes_.organization_of_team(draft.team_id); };
    const auto org = co_await pool_.run(organization_of);
    // A team the caller cannot see is one that does not exist, as everywhere else.
    if (!org || (!caller.is_admin && !caller.team_permissions.contains(draft.team_id) &&
                 !caller.has_in_org(*org, perm::org_manage))) {
      throw Error::not_found("team_not_found", "There is no such team.");
    }
    registry.organization_id = *org;
  } else {
    auto exists = [this, &draft] { return scopes_.organization_exists(draft.organization_id); };
    const bool known = co_await pool_.run(exists);
    if (!known || (!caller.is_admin && !caller.org_permissions.contains(draft.organization_id))) {
      throw Error::not_found("organization_not_found", "There is no such organization.");
    }
    registry.organization_id = draft.organization_id;
  }
  if (!manages(caller, registry)) throw may_not_manage();
  registry.id = random_hex(16);
  registry.name = std::move(draft.name);
  registry.insecure = draft.insecure;
  registry.username = std::move(draft.username);
  registry.password = std::move(draft.password);
  registry.created_by = caller.username;
  registry.created_at = registry.updated_at = clock_.stamp();
  auto insert = [this, &registry] {
    if (store_.count(registry.organization_id) >= kMaxRegistriesPerOrganization) {
      throw Error::conflict("too_many_registries",
                            "An organization keeps at most 100 registries.");
    }
    store_.insert(registry);
  };
  co_await pool_.run(insert);
  co_return registry;
}

asio::awaitable<Registry> RegistryService::update(const Principal& caller, std::string id,
                                                  RegistryChange change) {
  auto registry = co_await visible(caller, std::move(id));
  if (!manages(caller, registry)) throw may_not_manage();
  if (change.name) {
    check_name(*change.name);
    registry.name = std::move(*change.name);
  }
  if (change.username) registry.username = std::move(*change.username);
  if (change.password) registry.password = std::move(*change.password);
  if (change.insecure) registry.insecure = *change.insecure;
  check_login(registry.username, registry.password);
  registry.updated_at = clock_.stamp();
  auto save = [this, &registry] { store_.update(registry); };
  co_await pool_.run(save);
  co_return registry;
}

asio::awaitable<Registry> RegistryService::remove(const Principal& caller, std::string id) {
  auto registry = co_await visible(caller, std::move(id));
  if (!manages(caller, registry)) throw may_not_manage();
  auto drop = [this, &registry] { return store_.remove(registry.id); };
  if (!co_await pool_.run(drop)) throw not_found();
  co_return registry;
}

asio::awaitable<void> RegistryService::check(const Principal& caller, std::string id) {
  const auto registry = co_await visible(caller, std::move(id));
  auto call = [this, target = endpoint(caller, registry)] { api_.check_login(target); };
  co_await pool_.run(call);
}

asio::awaitable<NamePage> RegistryService::repositories(const Principal& caller, std::string id,
                                                        std::size_t limit, std::string cursor) {
  const auto registry = co_await visible(caller, std::move(id));
  auto call = [this, target = endpoint(caller, registry), n = page_size(limit), &cursor] {
    return api_.repositories(target, n, cursor);
  };
  co_return co_await pool_.run(call);
}

asio::awaitable<NamePage> RegistryService::tags(const Principal& caller, std::string id,
                                                std::string repository, std::size_t limit,
                                                std::string cursor) {
  const auto registry = co_await visible(caller, std::move(id));
  auto call = [this, target = endpoint(caller, registry), n = page_size(limit), &repository,
               &cursor] { return api_.tags(target, repository, n, cursor); };
  co_return co_await pool_.run(call);
}

asio::awaitable<std::optional<Registry>> RegistryService::login_for(const Principal& caller,
                                                                    std::string team,
                                                                    std::string address) {
  std::string normalized;
  try {
    normalized = normalized_address(address);
  } catch (const Error&) {
    co_return std::nullopt;
  }
  auto load = [this, &normalized] { return store_.for_address(normalized); };
  const auto candidates = co_await pool_.run(load);
  // The teams whose logins this pull may present, best first: the deploying team, then (for a
  // pull for no team) every team the caller pulls in.
  std::vector<std::string> teams;
  if (!team.empty()) {
    if (caller.has_in_team(team, perm::images_pull)) teams.push_back(team);
  } else {
    for (const auto& member : caller.teams_with(perm::images_pull)) teams.push_back(member);
  }
  for (const auto& member : teams) {
    for (const auto& registry : candidates) {
      if (registry.team_id == member) co_return registry;
    }
  }
  for (const auto& member : teams) {
    auto organization_of = [this, &member] { return scopes_.organization_of_team(member); };
    std::optional<std::string> org;
    if (const auto known = caller.team_orgs.find(member); known != caller.team_orgs.end()) {
      org = known->second;
    } else {
      org = co_await pool_.run(organization_of);
    }
    if (!org) continue;
    for (const auto& registry : candidates) {
      if (registry.team_id.empty() && registry.organization_id == *org) co_return registry;
    }
  }
  // A platform admin pulling for no team may use any stored login for the host.
  if (team.empty() && caller.is_admin && caller.scope_allows(perm::images_pull) &&
      !candidates.empty()) {
    co_return candidates.front();
  }
  co_return std::nullopt;
}

}  // namespace dokkerr::registries
