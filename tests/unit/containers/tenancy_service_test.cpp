#include "containers/tenancy_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/permissions.hpp"
#include "unit/containers/callers.hpp"
#include "unit/containers/fakes.hpp"
#include "unit/docker/test_support.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dokkerr::containers {
namespace {

namespace asio = boost::asio;
using docker::testing::run;
using namespace testing;
using testing::FakeOwnershipStore;
using testing::FakeResourceLookup;
using testing::FakeTeamDirectory;

// Ids as the engine makes them: 64 hex digits; the tests address them by prefix too.
const std::string kOursId = std::string(12, 'a') + std::string(52, '1');
const std::string kTheirsId = std::string(12, 'b') + std::string(52, '2');
const std::string kNobodysId = std::string(12, 'c') + std::string(52, '3');

class TenancyServiceTest : public ::testing::Test {
 protected:
  TenancyServiceTest() : tenancy_(owners_, teams_, engine_, pool_, clock_) {
    teams_.add("team-a");
    teams_.add("team-b");
    engine_.add(ResourceKind::container, kOursId, "ours", "team-a");
    engine_.add(ResourceKind::container, kTheirsId, "theirs", "team-b");
    engine_.add(ResourceKind::container, kNobodysId, "nobodys");
  }

  Resolved resolve(const Principal& caller, ResourceKind kind, const std::string& ref,
                   std::string_view permission = perm::containers_read) {
    return run(ioc_, tenancy_.resolve(caller, kEnv, kind, ref, permission));
  }
  void check_references(const std::string& team, const std::string& body) {
    run(ioc_, tenancy_.check_references(kEnv, team, boost::json::parse(body).as_object()));
  }

  asio::io_context ioc_;
  BlockingPool pool_{1};
  ManualClock clock_;
  FakeOwnershipStore owners_;
  FakeTeamDirectory teams_;
  FakeResourceLookup engine_;
  TenancyService tenancy_;
};

// ---- resolve ------------------------------------------------------------------------------------

TEST_F(TenancyServiceTest, AMemberReachesItsTeamsContainerByIdPrefixAndName) {
  const auto caller = developer("team-a");
  for (const std::string& ref : {kOursId, kOursId.substr(0, 12), std::string("ours")}) {
    const auto resolved = resolve(caller, ResourceKind::container, ref);
    EXPECT_EQ(resolved.id, kOursId) << ref;  // the full id is what the caller then acts on
    EXPECT_EQ(resolved.team, "team-a");
  }
}

TEST_F(TenancyServiceTest, AnotherTeamsContainerIsNotFoundByIdPrefixAndName) {
  const auto caller = developer("team-a");
  for (const std::string& ref : {kTheirsId, kTheirsId.substr(0, 12), std::string("theirs")}) {
    const auto error = error_of([&] { resolve(caller, ResourceKind::container, ref); });
    EXPECT_EQ(error.kind(), ErrorKind::not_found) << ref;
    EXPECT_EQ(error.code(), "container_not_found");
    // The answer is the one a missing container gets: nothing of the other team's leaks.
    EXPECT_EQ(error.detail().find(kTheirsId), std::string::npos) << error.detail();
  }
}

TEST_F(TenancyServiceTest, AMissingResourceKeepsTheEnginesNotFound) {
  const auto error = error_of([&] { resolve(developer("team-a"), ResourceKind::network, "nope"); });
  EXPECT_EQ(error.code(), "network_not_found");
}

TEST_F(TenancyServiceTest, WithoutThePermissionInAnyTeamTheEngineIsNotAsked) {
  const auto viewer = member_of("team-a", {perm::containers_read});
  const auto error =
      error_of([&] { resolve(viewer, ResourceKind::container, "ours", perm::containers_operate); });
  EXPECT_EQ(error.code(), "container_not_found");
  EXPECT_EQ(engine_.inspections(), 0);
}

TEST_F(TenancyServiceTest, ATeamNotGrantedTheEnvironmentSeesNothingThere) {
  auto caller = developer("team-a");
  caller.environment_teams.clear();
  EXPECT_EQ(error_of([&] { resolve(caller, ResourceKind::container, "ours"); }).code(),
            "container_not_found");
}

TEST_F(TenancyServiceTest, AdminsActOnTheReferenceAsGivenWithoutALookup) {
  const auto resolved = resolve(admin(), ResourceKind::container, "theirs");
  EXPECT_EQ(resolved.id, "theirs");
  EXPECT_EQ(resolved.team, "");
  EXPECT_EQ(engine_.inspections(), 0);
}

TEST_F(TenancyServiceTest, AnAdminsKeyWithoutTheScopeIsTreatedAsAMember) {
  auto caller = admin();
  caller.scopes = PermissionSet{std::string(perm::containers_read)};
  EXPECT_EQ(error_of([&] {
              resolve(caller, ResourceKind::container, "ours", perm::containers_operate);
            }).code(),
            "container_not_found");
}

TEST_F(TenancyServiceTest, AnUnlabelledResourceIsNobodysUntilAssigned) {
  const auto caller = developer("team-a");
  EXPECT_EQ(error_of([&] { resolve(caller, ResourceKind::container, "nobodys"); }).code(),
            "container_not_found");

  const auto assigned =
      run(ioc_, tenancy_.assign(kEnv, ResourceKind::container, "nobodys", "team-a"));
  EXPECT_EQ(assigned.id, kNobodysId);
  EXPECT_EQ(assigned.team_id, "team-a");
  const auto resolved = resolve(caller, ResourceKind::container, kNobodysId.substr(0, 12));
  EXPECT_EQ(resolved.id, kNobodysId);
  EXPECT_EQ(resolved.team, "team-a");
  EXPECT_EQ(
      error_of([&] { resolve(developer("team-b"), ResourceKind::container, "nobodys"); }).code(),
      "container_not_found");
}

TEST_F(TenancyServiceTest, TheLabelDecidesOverARecord) {
  // A record can only disagree with a label through a bug or a hand-edited database; the label
  // Dokkerr set at creation is what counts.
  owners_.put(OwnerRecord{kEnv, ResourceKind::container, kTheirsId, "team-a", clock_.stamp()});
  EXPECT_EQ(
      error_of([&] { resolve(developer("team-a"), ResourceKind::container, "theirs"); }).code(),
      "container_not_found");
}

TEST_F(TenancyServiceTest, EngineErrorsPassThrough) {
  engine_.go_down();
  EXPECT_EQ(error_of([&] { resolve(developer("team-a"), ResourceKind::container, "ours"); }).code(),
            "engine_unavailable");
}

// ---- assign -------------------------------------------------------------------------------------

TEST_F(TenancyServiceTest, AssignRecordsTheFullIdWithTheClocksTime) {
  run(ioc_, tenancy_.assign(kEnv, ResourceKind::container, kNobodysId.substr(0, 12), "team-b"));
  const auto record = owners_.record(kEnv, ResourceKind::container, kNobodysId);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->team_id, "team-b");
  EXPECT_EQ(record->created_at, clock_.stamp());

  // Reassigning replaces the record.
  clock_.advance(std::chrono::minutes(5));
  run(ioc_, tenancy_.assign(kEnv, ResourceKind::container, "nobodys", "team-a"));
  EXPECT_EQ(owners_.record(kEnv, ResourceKind::container, kNobodysId)->team_id, "team-a");
  EXPECT_EQ(owners_.record(kEnv, ResourceKind::container, kNobodysId)->created_at, clock_.stamp());
  EXPECT_EQ(owners_.size(), 1U);
}

TEST_F(TenancyServiceTest, LabelledResourcesCannotBeReassigned) {
  for (const std::string& ref : {std::string("ours"), kOursId}) {
    const auto error =
        error_of([&] { run(ioc_, tenancy_.assign(kEnv, ResourceKind::container, ref, "team-b")); });
    EXPECT_EQ(error.kind(), ErrorKind::conflict);
    EXPECT_EQ(error.code(), "owner_fixed");
  }
  // A label pinned empty (what admins create for no team) is no owner: those can be assigned.
  engine_.add(ResourceKind::network, "n-pinned", "pinned", "");
  EXPECT_NO_THROW(run(ioc_, tenancy_.assign(kEnv, ResourceKind::network, "pinned", "team-a")));
  EXPECT_EQ(owners_.size(), 1U);
}

TEST_F(TenancyServiceTest, AssignToAnUnknownTeamIsTeamNotFoundBeforeTheEngineIsAsked) {
  const auto error = error_of(
      [&] { run(ioc_, tenancy_.assign(kEnv, ResourceKind::container, "nobodys", "team-x")); });
  EXPECT_EQ(error.kind(), ErrorKind::not_found);
  EXPECT_EQ(error.code(), "team_not_found");
  EXPECT_EQ(engine_.inspections(), 0);
  EXPECT_EQ(owners_.size(), 0U);
}

TEST_F(TenancyServiceTest, AssignOfAMissingResourceIsItsNotFound) {
  EXPECT_EQ(error_of([&] {
              run(ioc_, tenancy_.assign(kEnv, ResourceKind::volume, "no-volume", "team-a"));
            }).code(),
            "volume_not_found");
}

// ---- owners of created and removed resources ----------------------------------------------------

TEST_F(TenancyServiceTest, RecordOwnerStampsAndForgetDrops) {
  run(ioc_, tenancy_.record_owner(kEnv, ResourceKind::volume, "data", "team-a"));
  const auto record = owners_.record(kEnv, ResourceKind::volume, "data");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->created_at, clock_.stamp());
  run(ioc_, tenancy_.forget(kEnv, ResourceKind::volume, "data"));
  EXPECT_FALSE(owners_.record(kEnv, ResourceKind::volume, "data"));
}

TEST_F(TenancyServiceTest, ResourcesCreatedForNoTeamAreNotRecorded) {
  run(ioc_, tenancy_.record_owner(kEnv, ResourceKind::container, kNobodysId, ""));
  EXPECT_EQ(owners_.size(), 0U);
}

// ---- which team a new resource goes to ----------------------------------------------------------

TEST_F(TenancyServiceTest, TheCallersOnlyTeamIsTheCreationTeam) {
  EXPECT_EQ(
      tenancy_.creation_team(developer("team-a"), kEnv, std::nullopt, perm::containers_create),
      "team-a");
}

TEST_F(TenancyServiceTest, SeveralTeamsMustNameOne) {
  auto caller = developer("team-a");
  caller.team_permissions["team-b"] = caller.team_permissions["team-a"];
  caller.environment_teams[kEnv].insert("team-b");
  const auto error = error_of(
      [&] { (void)tenancy_.creation_team(caller, kEnv, std::nullopt, perm::containers_create); });
  EXPECT_EQ(error.kind(), ErrorKind::invalid);
  EXPECT_EQ(error.code(), "team_required");
  EXPECT_EQ(tenancy_.creation_team(caller, kEnv, "team-b", perm::containers_create), "team-b");
}

TEST_F(TenancyServiceTest, ATeamThatIsNotTheCallersIsTeamNotFound) {
  for (const char* team : {"team-b", "no-such-team"}) {
    const auto error = error_of([&] {
      (void)tenancy_.creation_team(developer("team-a"), kEnv, std::string(team),
                                   perm::containers_create);
    });
    EXPECT_EQ(error.kind(), ErrorKind::not_found);
    EXPECT_EQ(error.code(), "team_not_found");
  }
}

TEST_F(TenancyServiceTest, NoTeamThatMayCreateIsPermissionDenied) {
  const auto viewer = member_of("team-a", {perm::containers_read});
  const auto error = error_of(
      [&] { (void)tenancy_.creation_team(viewer, kEnv, std::nullopt, perm::containers_create); });
  EXPECT_EQ(error.kind(), ErrorKind::forbidden);
  EXPECT_EQ(error.code(), "permission_denied");
}

TEST_F(TenancyServiceTest, AdminsCreateForTheTeamTheyNameOrForNone) {
  EXPECT_EQ(tenancy_.creation_team(admin(), kEnv, std::nullopt, perm::containers_create), "");
  EXPECT_EQ(tenancy_.creation_team(admin(), kEnv, "team-b", perm::containers_create), "team-b");
}

TEST_F(TenancyServiceTest, CreationCarriesTheTeamsPolicy) {
  policy::Policy relaxed;
  relaxed.allow_privileged = true;
  teams_.add("team-a", relaxed);
  const auto ours = run(
      ioc_, tenancy_.creation(developer("team-a"), kEnv, std::nullopt, perm::containers_create));
  EXPECT_EQ(ours.team, "team-a");
  EXPECT_TRUE(ours.policy.allow_privileged);
  const auto none =
      run(ioc_, tenancy_.creation(admin(), kEnv, std::nullopt, perm::containers_create));
  EXPECT_EQ(none.team, "");
  EXPECT_EQ(none.policy, policy::Policy{});
}

// ---- lists --------------------------------------------------------------------------------------

TEST_F(TenancyServiceTest, VisibleTeamsAreAllForAdminsAndTheGrantedOnesForMembers) {
  EXPECT_EQ(tenancy_.visible_teams(admin(), kEnv, perm::containers_read), std::nullopt);
  EXPECT_EQ(tenancy_.visible_teams(developer("team-a"), kEnv, perm::containers_read),
            (TeamSet{"team-a"}));
  EXPECT_EQ(tenancy_.visible_teams(developer("team-a"), "elsewhere", perm::containers_read),
            TeamSet{});
}

TEST_F(TenancyServiceTest, AssignedIdsAreThoseOfTheTeams) {
  run(ioc_, tenancy_.record_owner(kEnv, ResourceKind::container, "c1", "team-a"));
  run(ioc_, tenancy_.record_owner(kEnv, ResourceKind::container, "c2", "team-b"));
  run(ioc_, tenancy_.record_owner(kEnv, ResourceKind::network, "n1", "team-a"));
  EXPECT_EQ(run(ioc_, tenancy_.assigned_ids(kEnv, ResourceKind::container, TeamSet{"team-a"})),
            (TeamSet{"c1"}));
}

TEST_F(TenancyServiceTest, FilterKeepsWhatTheTeamsOwnByLabelOrRecord) {
  run(ioc_, tenancy_.record_owner(kEnv, ResourceKind::network, "n-assigned", "team-a"));
  const auto items = boost::json::parse(R"([
    {"Id":"n-labelled","Labels":{"io.dokkerr.team":"team-a"}},
    {"Id":"n-other","Labels":{"io.dokkerr.team":"team-b"}},
    {"Id":"n-assigned","Labels":{}},
    {"Id":"n-nobody"},
    "not an object"
  ])")
                         .as_array();
  const auto kept =
      run(ioc_, tenancy_.filter(kEnv, ResourceKind::network, items, TeamSet{"team-a"}));
  ASSERT_EQ(kept.size(), 2U);
  EXPECT_EQ(kept[0].at("Id").as_string(), "n-labelled");
  EXPECT_EQ(kept[1].at("Id").as_string(), "n-assigned");
  EXPECT_EQ(kept[1].at("Dokkerr").at("team").as_string(), "team-a") << "owner by assignment";
  EXPECT_EQ(kept[0].at("Dokkerr").at("environment").as_string(), kEnv);
  // Admins (no team set) get every object, each naming its owner (null for none).
  const auto all = run(ioc_, tenancy_.filter(kEnv, ResourceKind::network, items, std::nullopt));
  ASSERT_EQ(all.size(), 4U) << "what is not an object is dropped";
  EXPECT_EQ(all[1].at("Dokkerr").at("team").as_string(), "team-b");
  EXPECT_TRUE(all[3].at("Dokkerr").at("team").is_null());
  EXPECT_TRUE(run(ioc_, tenancy_.filter(kEnv, ResourceKind::network, items, TeamSet{})).empty());
}

TEST_F(TenancyServiceTest, VolumesAreFilteredByName) {
  run(ioc_, tenancy_.record_owner(kEnv, ResourceKind::volume, "v-assigned", "team-a"));
  const auto items = boost::json::parse(R"([{"Name":"v-assigned"},{"Name":"v-other"}])").as_array();
  const auto kept =
      run(ioc_, tenancy_.filter(kEnv, ResourceKind::volume, items, TeamSet{"team-a"}));
  ASSERT_EQ(kept.size(), 1U);
  EXPECT_EQ(kept[0].at("Name").as_string(), "v-assigned");
}

// ---- references of a new container --------------------------------------------------------------

class ReferencesTest : public TenancyServiceTest {
 protected:
  ReferencesTest() {
    engine_.add(ResourceKind::volume, "vol-a", "vol-a", "team-a");
    engine_.add(ResourceKind::volume, "vol-b", "vol-b", "team-b");
    engine_.add(ResourceKind::volume, "vol-raw", "vol-raw");
    engine_.add(ResourceKind::network, "net-a-id", "net-a", "team-a");
    engine_.add(ResourceKind::network, "net-b-id", "net-b", "team-b");
    engine_.add(ResourceKind::network, "host-net-id", "host");
  }
  Error refused(const std::string& body) {
    return error_of([&] { check_references("team-a", body); });
  }
};

TEST_F(ReferencesTest, OwnVolumesAndNetworksPass) {
  EXPECT_NO_THROW(check_references("team-a", R"({
    "HostConfig":{"Binds":["vol-a:/data"],"Mounts":[{"Type":"volume","Source":"vol-a","Target":"/m"}],
                  "NetworkMode":"net-a"},
    "NetworkingConfig":{"EndpointsConfig":{"net-a-id":{}}}})"));
  EXPECT_TRUE(engine_.created_volumes().empty());
}

TEST_F(ReferencesTest, AnotherTeamsVolumeIsPolicyDenied) {
  for (const char* body :
       {R"({"HostConfig":{"Binds":["vol-b:/data"]}})",
        R"({"HostConfig":{"Mounts":[{"Type":"volume","Source":"vol-b","Target":"/data"}]}})",
        R"({"HostConfig":{"Binds":["vol-raw:/data:ro"]}})"}) {
    const auto error = refused(body);
    EXPECT_EQ(error.kind(), ErrorKind::forbidden) << body;
    EXPECT_EQ(error.code(), "policy_denied");
  }
}

TEST_F(ReferencesTest, AnAssignedVolumeIsTheTeams) {
  run(ioc_, tenancy_.record_owner(kEnv, ResourceKind::volume, "vol-raw", "team-a"));
  EXPECT_NO_THROW(check_references("team-a", R"({"HostConfig":{"Binds":["vol-raw:/data"]}})"));
}

TEST_F(ReferencesTest, AMissingVolumeIsCreatedForTheTeam) {
  check_references(
      "team-a", R"({"HostConfig":{"Mounts":[{"Type":"volume","Source":"fresh","Target":"/d"}]}})");
  EXPECT_EQ(engine_.created_volumes(), (std::vector<std::string>{"fresh"}));
  const auto record = owners_.record(kEnv, ResourceKind::volume, "fresh");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->team_id, "team-a");
  EXPECT_EQ(record->created_at, clock_.stamp());
  // The engine now has it with the team's label: another team's container may not mount it.
  EXPECT_EQ(error_of([&] {
              check_references("team-b", R"({"HostConfig":{"Binds":["fresh:/d"]}})");
            }).code(),
            "policy_denied");
}

TEST_F(ReferencesTest, HostPathsAndBindMountsAreNoVolumes) {
  EXPECT_NO_THROW(check_references("team-a", R"({"HostConfig":{
    "Binds":["/srv/data:/data","no-colon",7],
    "Mounts":[{"Type":"bind","Source":"vol-b","Target":"/b"},{"Type":"volume","Source":"","Target":"/anon"},"x"]}})"));
  EXPECT_TRUE(engine_.created_volumes().empty());
}

TEST_F(ReferencesTest, AnotherTeamsOrTheEnginesNetworkIsNotFound) {
  for (const char* body :
       {R"({"HostConfig":{"NetworkMode":"net-b"}})", R"({"HostConfig":{"NetworkMode":"net-b-id"}})",
        R"({"HostConfig":{"NetworkMode":"host"}})",
        R"({"HostConfig":{"NetworkMode":"host-net-id"}})",
        R"({"HostConfig":{"NetworkMode":"missing"}})",
        R"({"NetworkingConfig":{"EndpointsConfig":{"net-b":{}}}})",
        R"({"NetworkingConfig":{"EndpointsConfig":{"net-a":{},"host":{}}}})"}) {
    const auto error = refused(body);
    EXPECT_EQ(error.kind(), ErrorKind::not_found) << body;
    EXPECT_EQ(error.code(), "network_not_found");
  }
}

TEST_F(ReferencesTest, TheEnginesDefaultModesAndContainerJoinsAreLeftToThePolicy) {
  for (const char* mode : {"", "default", "bridge", "none", "container:theirs"}) {
    const std::string body = std::string(R"({"HostConfig":{"NetworkMode":")") + mode + R"("}})";
    EXPECT_NO_THROW(check_references("team-a", body)) << mode;
  }
  EXPECT_EQ(engine_.inspections(), 0);
}

TEST_F(ReferencesTest, AnUnreachableEngineIsNotAMissingVolume) {
  engine_.go_down();
  EXPECT_EQ(refused(R"({"HostConfig":{"Binds":["fresh:/d"]}})").code(), "engine_unavailable");
  EXPECT_TRUE(engine_.created_volumes().empty());
}

TEST_F(TenancyServiceTest, ContainerTeamComesFromTheLookup) {
  EXPECT_EQ(tenancy_.container_team(kEnv, "ours"), "team-a");
  EXPECT_EQ(tenancy_.container_team(kEnv, "nobodys"), std::nullopt);
  EXPECT_EQ(tenancy_.container_team(kEnv, "missing"), std::nullopt);
}

// ---- team networks -------------------------------------------------------------------------

class TeamNetworkTest : public TenancyServiceTest {
 protected:
  boost::json::object place(const std::string& team, const std::string& body) {
    auto create = boost::json::parse(body).as_object();
    run(ioc_, tenancy_.place_on_team_network(kEnv, team, create));
    return create;
  }
  static std::string mode_of(const boost::json::object& create) {
    return std::string(create.at("HostConfig").at("NetworkMode").as_string());
  }
};

TEST_F(TeamNetworkTest, TheEnginesDefaultNetworkBecomesTheTeamsOwnMadeOnce) {
  for (const char* body : {R"({"Image":"x"})", R"({"Image":"x","HostConfig":{"NetworkMode":""}})",
                           R"({"Image":"x","HostConfig":{"NetworkMode":"default"}})",
                           R"({"Image":"x","HostConfig":{"NetworkMode":"bridge"}})"}) {
    EXPECT_EQ(mode_of(place("team-a", body)), "dokkerr-team-team-a") << body;
  }
  EXPECT_EQ(engine_.created_networks(), std::vector<std::string>{"dokkerr-team-team-a"});
  // Recorded as the team's, so its members see it.
  EXPECT_EQ(owners_.owner(kEnv, ResourceKind::network, "net-dokkerr-team-team-a"), "team-a");
  EXPECT_EQ(mode_of(place("team-b", R"({"Image":"x"})")), "dokkerr-team-team-b");
  EXPECT_EQ(engine_.created_networks().size(), 2U);
}

TEST_F(TeamNetworkTest, OtherModesAndOwnEndpointsAreLeftAlone) {
  EXPECT_EQ(mode_of(place("team-a", R"({"Image":"x","HostConfig":{"NetworkMode":"none"}})")),
            "none");
  EXPECT_EQ(mode_of(place("team-a", R"({"Image":"x","HostConfig":{"NetworkMode":"mine"}})")),
            "mine");
  const auto endpoint =
      place("team-a", R"({"Image":"x","NetworkingConfig":{"EndpointsConfig":{"mine":{}}}})");
  EXPECT_EQ(mode_of(endpoint), "mine");
  EXPECT_TRUE(engine_.created_networks().empty());
}

TEST_F(TeamNetworkTest, JoiningTheSharedNetworksByEndpointIsRefused) {
  for (const char* shared : {"bridge", "default", "host"}) {
    const auto body = std::string(R"({"Image":"x","NetworkingConfig":{"EndpointsConfig":{")") +
                      shared + R"(":{}}}})";
    EXPECT_EQ(error_of([&] { (void)place("team-a", body); }).code(), "policy_denied") << shared;
  }
}

TEST_F(TeamNetworkTest, ANetworkSquattingTheTeamsNameIsNotJoined) {
  engine_.add(ResourceKind::network, "squat", "dokkerr-team-team-a", "team-b");
  EXPECT_EQ(error_of([&] { (void)place("team-a", R"({"Image":"x"})"); }).code(),
            "team_network_taken");
  engine_.add(ResourceKind::network, "unlabelled", "dokkerr-team-team-c");
  teams_.add("team-c");
  EXPECT_EQ(error_of([&] { (void)place("team-c", R"({"Image":"x"})"); }).code(),
            "team_network_taken");
}

}  // namespace
}  // namespace dokkerr::containers
