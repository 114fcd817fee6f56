// Who sees, changes and uses a stored registry, and which login a pull presents, against fakes
// of the store, the registry client and the users domain.
#include "registries/registry_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/permissions.hpp"
#include "core/principal.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <map>

namespace dokkerr::registries {
namespace {

namespace asio = boost::asio;

template <typename T>
T run(asio::awaitable<T> task) {
  asio::io_context io;
  auto result = asio::co_spawn(io, std::move(task), asio::use_future);
  io.run();
  return result.get();
}

template <typename T>
std::string code_of(asio::awaitable<T> task) {
  try {
    run(std::move(task));
  } catch (const Error& error) {
    return error.code();
  }
  return "";
}

class FakeStore final : public RegistryStore {
 public:
  void insert(const Registry& r) override {
    for (const auto& [id, other] : rows) {
      if (other.organization_id == r.organization_id && other.name == r.name)
        throw Error::conflict("registry_exists", "taken");
    }
    rows[r.id] = r;
  }
  void update(const Registry& r) override { rows[r.id] = r; }
  std::optional<Registry> get(std::string_view id) override {
    const auto found = rows.find(std::string(id));
    if (found == rows.end()) return std::nullopt;
    return found->second;
  }
  std::vector<Registry> list(
      const std::optional<std::set<std::string, std::less<>>>& orgs) override {
    std::vector<Registry> out;
    for (const auto& [id, r] : rows) {
      if (!orgs || orgs->contains(r.organization_id)) out.push_back(r);
    }
    return out;
  }
  std::vector<Registry> for_address(std::string_view address) override {
    std::vector<Registry> out;
    for (const auto& [id, r] : rows) {
      if (r.address == address) out.push_back(r);
    }
    std::sort(out.begin(), out.end(),
              [](const Registry& a, const Registry& b) { return a.created_at < b.created_at; });
    return out;
  }
  std::size_t count(std::string_view org) override {
    return static_cast<std::size_t>(std::count_if(
        rows.begin(), rows.end(), [&](const auto& row) { return row.second.organization_id == org; }));
  }
  bool remove(std::string_view id) override { return rows.erase(std::string(id)) > 0; }

  std::map<std::string, Registry> rows;
};

class FakeApi final : public RegistryApi {
 public:
  void check_login(const RegistryEndpoint& endpoint) override { calls.push_back(endpoint); }
  NamePage repositories(const RegistryEndpoint& endpoint, std::size_t limit,
                        std::string_view) override {
    calls.push_back(endpoint);
    last_limit = limit;
    return {{"a/b"}, ""};
  }
  NamePage tags(const RegistryEndpoint& endpoint, std::string_view, std::size_t,
                std::string_view) override {
    calls.push_back(endpoint);
    return {{"1"}, ""};
  }
  std::string manifest_digest(const RegistryEndpoint&, std::string_view,
                              std::string_view) override {
    return "sha256:" + std::string(64, '0');
  }
  std::vector<RegistryEndpoint> calls;
  std::size_t last_limit = 0;
};

class FakeScopes final : public Scopes {
 public:
  std::optional<std::string> organization_of_team(std::string_view team) override {
    if (team == "team-a" || team == "team-a2") return "org-a";
    if (team == "team-b") return "org-b";
    return std::nullopt;
  }
  bool organization_exists(std::string_view org) override {
    return org == "org-a" || org == "org-b";
  }
};

Principal member(std::string team, std::string org, PermissionSet permissions) {
  Principal p;
  p.user_id = "u-" + team;
  p.username = "user-" + team;
  p.team_permissions[team] = std::move(permissions);
  p.team_orgs[team] = std::move(org);
  return p;
}

Principal developer_a() {
  return member("team-a", "org-a",
                {std::string(perm::images_read), std::string(perm::images_pull)});
}
Principal team_admin_a() {
  return member("team-a", "org-a",
                {std::string(perm::images_read), std::string(perm::images_pull),
                 std::string(perm::team_manage)});
}
Principal developer_b() {
  return member("team-b", "org-b",
                {std::string(perm::images_read), std::string(perm::images_pull)});
}
Principal platform_admin() {
  Principal p;
  p.user_id = "admin";
  p.username = "admin";
  p.is_admin = true;
  return p;
}

class RegistryServiceTest : public ::testing::Test {
 protected:
  RegistryServiceTest() : service_(store_, api_, scopes_, pool_, clock_, {"127.0.0.1:5000"}) {}

  Registry add(const Principal& caller, std::string name, std::string address, std::string team,
               std::string org = {}) {
    RegistryDraft draft;
    draft.name = std::move(name);
    draft.address = std::move(address);
    draft.team_id = std::move(team);
    draft.organization_id = std::move(org);
    draft.username = "robot-" + draft.name;
    draft.password = "pw-" + draft.name;
    auto made = run(service_.create(caller, draft));
    clock_.advance(std::chrono::seconds(1));
    return made;
  }

  FakeStore store_;
  FakeApi api_;
  FakeScopes scopes_;
  BlockingPool pool_{1};
  ManualClock clock_;
  RegistryService service_;
};

TEST_F(RegistryServiceTest, ATeamAdminStoresTheTeamsLoginItsMembersSeeIt) {
  const auto made = add(team_admin_a(), "private", "Registry.Example.com", "team-a");
  EXPECT_EQ(made.organization_id, "org-a");
  EXPECT_EQ(made.address, "registry.example.com");
  EXPECT_EQ(run(service_.list(developer_a())).size(), 1U);
  EXPECT_TRUE(run(service_.list(developer_b())).empty());
  EXPECT_EQ(code_of(service_.get(developer_b(), made.id)), "registry_not_found");
  EXPECT_EQ(code_of(service_.check(developer_b(), made.id)), "registry_not_found");
  EXPECT_EQ(code_of(service_.remove(developer_a(), made.id)), "permission_denied");
  RegistryChange rename;
  rename.name = "renamed";
  EXPECT_EQ(code_of(service_.update(developer_a(), made.id, rename)), "permission_denied");
  EXPECT_EQ(run(service_.update(team_admin_a(), made.id, rename)).name, "renamed");
}

TEST_F(RegistryServiceTest, ScopesAreCheckedBeforeAnythingIsStored) {
  RegistryDraft draft;
  draft.name = "x";
  draft.address = "r.example.com";
  draft.team_id = "team-a";
  EXPECT_EQ(code_of(service_.create(developer_a(), draft)), "permission_denied");
  EXPECT_EQ(code_of(service_.create(developer_b(), draft)), "team_not_found");
  draft.team_id = "no-such-team";
  EXPECT_EQ(code_of(service_.create(platform_admin(), draft)), "team_not_found");
  draft.team_id.clear();
  draft.organization_id = "org-a";
  EXPECT_EQ(code_of(service_.create(team_admin_a(), draft)), "organization_not_found");
  draft.team_id = "team-a";
  EXPECT_EQ(code_of(service_.create(platform_admin(), draft)), "invalid_registry");
  draft.organization_id = "org-zz";
  draft.team_id.clear();
  EXPECT_EQ(code_of(service_.create(platform_admin(), draft)), "organization_not_found");
  EXPECT_TRUE(store_.rows.empty());
}

TEST_F(RegistryServiceTest, AnOrganizationsRegistryServesEveryTeamOfIt) {
  Principal org_member = developer_a();
  org_member.team_permissions["team-a2"] = {std::string(perm::images_read)};
  org_member.team_orgs["team-a2"] = "org-a";
  const auto made = add(platform_admin(), "hub", "docker.io", "", "org-a");
  EXPECT_EQ(run(service_.list(org_member)).size(), 1U);
  EXPECT_TRUE(run(service_.list(developer_b())).empty());
  // An org manager manages it; a team admin does not.
  Principal org_manager;
  org_manager.user_id = "owner";
  org_manager.org_permissions["org-a"] = {std::string(perm::org_manage)};
  EXPECT_EQ(code_of(service_.remove(team_admin_a(), made.id)), "permission_denied");
  EXPECT_EQ(run(service_.remove(org_manager, made.id)).id, made.id);
}

TEST_F(RegistryServiceTest, APullPresentsTheTeamsOwnLoginFirstThenItsOrganizations) {
  const auto org_wide = add(platform_admin(), "org", "r.example.com", "", "org-a");
  const auto own = add(team_admin_a(), "own", "r.example.com", "team-a");
  add(platform_admin(), "b", "r.example.com", "team-b");

  auto login = run(service_.login_for(developer_a(), "team-a", "R.Example.com"));
  ASSERT_TRUE(login.has_value());
  EXPECT_EQ(login->id, own.id);
  ASSERT_TRUE(run(service_.remove(team_admin_a(), own.id)).id == own.id);
  login = run(service_.login_for(developer_a(), "team-a", "r.example.com"));
  ASSERT_TRUE(login.has_value());
  EXPECT_EQ(login->id, org_wide.id);
  // Another team's login is never presented, nor one for a team the caller does not pull in.
  EXPECT_FALSE(run(service_.login_for(developer_a(), "team-b", "r.example.com")).has_value());
  EXPECT_FALSE(run(service_.login_for(developer_a(), "team-a", "other.example.com")).has_value());
  EXPECT_FALSE(run(service_.login_for(developer_a(), "team-a", "not an address")).has_value());
  const auto theirs = run(service_.login_for(developer_b(), "", "r.example.com"));
  ASSERT_TRUE(theirs.has_value());
  EXPECT_EQ(theirs->name, "b");
}

TEST_F(RegistryServiceTest, OnlyListedRegistriesAndAdminsMayDialPrivateAddresses) {
  const auto listed = add(team_admin_a(), "listed", "127.0.0.1:5000", "team-a");
  const auto other = add(team_admin_a(), "other", "127.0.0.1:5001", "team-a");
  run(service_.check(developer_a(), listed.id));
  run(service_.check(developer_a(), other.id));
  run(service_.check(platform_admin(), other.id));
  ASSERT_EQ(api_.calls.size(), 3U);
  EXPECT_TRUE(api_.calls[0].any_address);
  EXPECT_FALSE(api_.calls[1].any_address);
  EXPECT_TRUE(api_.calls[2].any_address);
  EXPECT_EQ(api_.calls[0].password, "pw-listed");
  (void)run(service_.repositories(developer_a(), listed.id, 5000, ""));
  EXPECT_EQ(api_.last_limit, 1000U);
}

TEST_F(RegistryServiceTest, HostileDraftsAreClearErrors) {
  const auto refused = [this](RegistryDraft draft) {
    draft.team_id = draft.team_id.empty() ? "team-a" : draft.team_id;
    return code_of(service_.create(team_admin_a(), draft));
  };
  RegistryDraft base;
  base.name = "ok";
  base.address = "r.example.com";
  auto d = base;
  d.name = std::string(65, 'x');
  EXPECT_EQ(refused(d), "invalid_registry");
  d = base;
  d.name = "tab\there";
  EXPECT_EQ(refused(d), "invalid_registry");
  d = base;
  d.username = "a:b";
  EXPECT_EQ(refused(d), "invalid_registry");
  d = base;
  d.password = "no user";
  EXPECT_EQ(refused(d), "invalid_registry");
  d = base;
  d.address = "http://r.example.com";
  EXPECT_EQ(refused(d), "invalid_registry_address");
  EXPECT_TRUE(store_.rows.empty());
  for (int i = 0; i < 100; ++i) add(team_admin_a(), "r" + std::to_string(i), "r.example.com", "team-a");
  d = base;
  d.name = "one too many";
  EXPECT_EQ(refused(d), "too_many_registries");
}

}  // namespace
}  // namespace dokkerr::registries
