#include "containers/container_service.hpp"

#include "unit/containers/engine_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace dokkerr::containers {
namespace {

using namespace testing;
using Cmd = std::vector<std::string>;

class ContainerServiceTest : public EngineServiceTest {
 protected:
  void SetUp() override {
    EngineServiceTest::SetUp();
    if (IsSkipped()) return;
    service_ = std::make_unique<ContainerService>(*environments_, *tenancy_);
  }

  // Creates a container (sleeping unless told otherwise) and returns its full id.
  std::string create(const Principal& caller, const std::string& name,
                     const Cmd& cmd = Cmd{"sleep", "300"}, boost::json::object extra = {},
                     std::optional<std::string> team = std::nullopt) {
    ContainerCreate request{name, std::move(team), container_body(cmd, std::move(extra))};
    const auto created = run(ioc_, service_->create(caller, kEnv, std::move(request)));
    return std::string(created.at("Id").as_string());
  }
  void start(const Principal& caller, const std::string& ref) {
    run(ioc_, service_->act(caller, kEnv, ref, ContainerAction::start, {}));
  }
  std::string state_of(const std::string& id) {
    return std::string(
        engine_get("/containers/" + id + "/json").at("State").at("Status").as_string());
  }
  std::vector<std::string> listed_ids(const Principal& caller) {
    ContainerFilter filter;
    filter.all = true;
    filter.labels = {std::string(kRunLabel) + "=" + run_value()};
    const auto page = run(ioc_, service_->list(caller, kEnv, filter, 1000, ""));
    std::vector<std::string> ids;
    for (const auto& item : page.items) {
      ids.emplace_back(boost::json::parse(item).at("Id").as_string());
    }
    return ids;
  }

  std::unique_ptr<ContainerService> service_;
};

// ---- create -------------------------------------------------------------------------------------

TEST_F(ContainerServiceTest, AMembersContainerCarriesItsTeamAndIsRecorded) {
  const auto id = create(developer("team-a"), unique_name("c"));
  const auto inspect = engine_get("/containers/" + id + "/json");
  EXPECT_EQ(team_label_of(inspect.at("Config").at("Labels")), "team-a");
  const auto record = owners_.record(kEnv, ResourceKind::container, id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->team_id, "team-a");
  EXPECT_EQ(record->created_at, clock_.stamp());
  // The model knows it at once: the very next list shows it.
  const auto ids = listed_ids(developer("team-a"));
  EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end());
}

TEST_F(ContainerServiceTest, AnAdminsContainerForNoTeamHasThePinnedEmptyLabel) {
  const auto id = create(admin(), unique_name("adm"));
  const auto labels = engine_get("/containers/" + id + "/json").at("Config").at("Labels");
  EXPECT_EQ(team_label_of(labels), "");  // pinned: an image's label cannot hand it to a team
  EXPECT_FALSE(owners_.record(kEnv, ResourceKind::container, id));
  EXPECT_TRUE(listed_ids(developer("team-a")).empty());
  EXPECT_EQ(error_of([&] { run(ioc_, service_->inspect(developer("team-a"), kEnv, id)); }).code(),
            "container_not_found");
}

TEST_F(ContainerServiceTest, AnAdminCreatesForATeamWithTeam) {
  const auto id = create(admin(), unique_name("adm-a"), Cmd{"sleep", "300"}, {}, "team-a");
  EXPECT_EQ(team_label_of(engine_get("/containers/" + id + "/json").at("Config").at("Labels")),
            "team-a");
  EXPECT_EQ(owners_.record(kEnv, ResourceKind::container, id)->team_id, "team-a");
  EXPECT_EQ(run(ioc_, service_->inspect(developer("team-a"), kEnv, id)).at("Id").as_string(), id);
}

TEST_F(ContainerServiceTest, TheBodyIsCheckedBeforeAnythingIsCreated) {
  const auto name = unique_name("refused");
  const auto member = developer("team-a");
  boost::json::object privileged{{"HostConfig", {{"NetworkMode", "none"}, {"Privileged", true}}}};
  EXPECT_EQ(error_of([&] { create(member, name, Cmd{"true"}, privileged); }).code(),
            "policy_denied");
  boost::json::object reserved{
      {"Labels", {{kRunLabel, run_value()}, {"io.dokkerr.team", "team-b"}}}};
  EXPECT_EQ(error_of([&] { create(member, name, Cmd{"true"}, reserved); }).code(),
            "reserved_label");
  const auto bad_name = error_of([&] { create(member, "-bad name", Cmd{"true"}); });
  EXPECT_EQ(bad_name.code(), "invalid_parameter");
  ContainerCreate no_image{name, std::nullopt, R"({"Labels":{}})"};
  EXPECT_EQ(error_of([&] { run(ioc_, service_->create(member, kEnv, no_image)); }).kind(),
            ErrorKind::invalid);
  ContainerCreate duplicate{name, std::nullopt, R"({"Image":"a","Image":"b"})"};
  EXPECT_EQ(error_of([&] { run(ioc_, service_->create(member, kEnv, duplicate)); }).code(),
            "duplicate_key");
  EXPECT_TRUE(engine_get("/containers/" + name + "/json").is_null());
  EXPECT_EQ(owners_.size(), 0U);
}

TEST_F(ContainerServiceTest, ATeamIsNeededWhenTheCallerHasSeveral) {
  auto both = developer("team-a");
  both.team_permissions["team-b"] = both.team_permissions["team-a"];
  both.environment_teams[kEnv].insert("team-b");
  const auto name = unique_name("two");
  EXPECT_EQ(error_of([&] { create(both, name); }).code(), "team_required");
  const auto id = create(both, name, Cmd{"sleep", "300"}, {}, "team-b");
  EXPECT_EQ(team_label_of(engine_get("/containers/" + id + "/json").at("Config").at("Labels")),
            "team-b");
}

TEST_F(ContainerServiceTest, ANewVolumeIsCreatedForTheTeamAndAnotherTeamsIsRefused) {
  const auto volume = unique_name("vol");
  volumes_to_remove_.push_back(volume);
  boost::json::object mounts{
      {"HostConfig", {{"NetworkMode", "none"}, {"Binds", boost::json::array{volume + ":/data"}}}}};
  create(developer("team-a"), unique_name("mounts"), Cmd{"true"}, mounts);
  const auto created = engine_get("/volumes/" + volume);
  ASSERT_FALSE(created.is_null());
  EXPECT_EQ(team_label_of(created.at("Labels")), "team-a");
  EXPECT_EQ(owners_.record(kEnv, ResourceKind::volume, volume)->team_id, "team-a");

  const auto name = unique_name("steals");
  EXPECT_EQ(error_of([&] { create(developer("team-b"), name, Cmd{"true"}, mounts); }).code(),
            "policy_denied");
  EXPECT_TRUE(engine_get("/containers/" + name + "/json").is_null());
}

// ---- tenancy of every verb ----------------------------------------------------------------------

TEST_F(ContainerServiceTest, AnotherTeamsContainerIsNotFoundOnEveryVerb) {
  const auto name = unique_name("a-only");
  const auto id = create(developer("team-a"), name);
  start(developer("team-a"), id);
  const auto other = developer("team-b");
  for (const std::string& ref : {id, id.substr(0, 12), name}) {
    const auto not_found = [&](auto&& fn) {
      EXPECT_EQ(error_of(fn).code(), "container_not_found") << ref;
    };
    not_found([&] { run(ioc_, service_->inspect(other, kEnv, ref)); });
    not_found([&] { run(ioc_, service_->act(other, kEnv, ref, ContainerAction::stop, {})); });
    not_found([&] { run(ioc_, service_->rename(other, kEnv, ref, unique_name("stolen"))); });
    not_found([&] { run(ioc_, service_->update(other, kEnv, ref, R"({"CpuShares":512})")); });
    not_found([&] { run(ioc_, service_->logs(other, kEnv, ref, {})); });
    not_found([&] { run(ioc_, service_->stats(other, kEnv, ref)); });
    not_found([&] { run(ioc_, service_->top(other, kEnv, ref, "")); });
    ExecRequest touch;
    touch.cmd = {"touch", "/tmp/pwned"};
    not_found([&] { run(ioc_, service_->exec(other, kEnv, ref, touch, std::chrono::seconds(5))); });
    not_found([&] { run(ioc_, service_->remove(other, kEnv, ref, {true, false})); });
  }
  EXPECT_TRUE(listed_ids(other).empty());
  EXPECT_EQ(state_of(id), "running");
}

// ---- lifecycle ----------------------------------------------------------------------------------

TEST_F(ContainerServiceTest, LifecycleAndRename) {
  const auto member = developer("team-a");
  const auto id = create(member, unique_name("life"));
  start(member, id);
  EXPECT_EQ(state_of(id), "running");
  EXPECT_NO_THROW(start(member, id));  // already running: the goal holds
  run(ioc_, service_->act(member, kEnv, id, ContainerAction::pause, {}));
  EXPECT_EQ(state_of(id), "paused");
  run(ioc_, service_->act(member, kEnv, id, ContainerAction::unpause, {}));
  ActionOptions bad_signal;
  bad_signal.signal = std::string(17, 'X');
  EXPECT_EQ(error_of([&] {
              run(ioc_, service_->act(member, kEnv, id, ContainerAction::kill, bad_signal));
            }).code(),
            "invalid_parameter");
  ActionOptions now;
  now.stop_timeout = 0;
  run(ioc_, service_->act(member, kEnv, id, ContainerAction::stop, now));
  EXPECT_EQ(state_of(id), "exited");

  EXPECT_EQ(error_of([&] { run(ioc_, service_->rename(member, kEnv, id, "x")); }).code(),
            "invalid_parameter");
  const auto renamed = unique_name("renamed");
  run(ioc_, service_->rename(member, kEnv, id, renamed));
  EXPECT_EQ(engine_get("/containers/" + id + "/json").at("Name").as_string(), "/" + renamed);
  EXPECT_EQ(run(ioc_, service_->inspect(member, kEnv, renamed)).at("Id").as_string(), id);
}

TEST_F(ContainerServiceTest, InspectAddsTheEnvironment) {
  const auto id = create(developer("team-a"), unique_name("insp"));
  const auto inspect = run(ioc_, service_->inspect(developer("team-a"), kEnv, id));
  EXPECT_EQ(inspect.at("Dokkerr").at("environment").as_string(), kEnv);
}

TEST_F(ContainerServiceTest, WaitTakesTheEnginesConditionsOnly) {
  const auto member = developer("team-a");
  const auto id = create(member, unique_name("wait"), Cmd{"sh", "-c", "exit 3"});
  EXPECT_EQ(error_of([&] { run(ioc_, service_->wait(member, kEnv, id, "whenever")); }).code(),
            "invalid_parameter");
  start(member, id);
  const auto waited = run(ioc_, service_->wait(member, kEnv, id, "not-running"));
  EXPECT_EQ(waited.at("StatusCode").to_number<int>(), 3);
}

TEST_F(ContainerServiceTest, UpdateGoesThroughThePolicy) {
  const auto member = developer("team-a");
  const auto id = create(member, unique_name("upd"));
  const auto warnings = run(ioc_, service_->update(member, kEnv, id, R"({"CpuShares":512})"));
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(engine_get("/containers/" + id + "/json").at("HostConfig").at("CpuShares").as_int64(),
            512);
  EXPECT_EQ(
      error_of([&] { run(ioc_, service_->update(member, kEnv, id, R"({"Bogus":1})")); }).code(),
      "unknown_field");
}

TEST_F(ContainerServiceTest, RemoveForgetsTheOwner) {
  const auto member = developer("team-a");
  const auto id = create(member, unique_name("rm"));
  ASSERT_TRUE(owners_.record(kEnv, ResourceKind::container, id));
  run(ioc_, service_->remove(member, kEnv, id, {true, true}));
  EXPECT_TRUE(engine_get("/containers/" + id + "/json").is_null());
  EXPECT_FALSE(owners_.record(kEnv, ResourceKind::container, id));
  EXPECT_TRUE(listed_ids(member).empty());
}

// ---- logs and exec ------------------------------------------------------------------------------

TEST_F(ContainerServiceTest, LogsKeepTheirStreams) {
  const auto member = developer("team-a");
  const auto id = create(member, unique_name("logs"), Cmd{"sh", "-c", "echo out; echo err >&2"});
  start(member, id);
  run(ioc_, service_->wait(member, kEnv, id, "not-running"));
  const auto logs = run(ioc_, service_->logs(member, kEnv, id, {}));
  EXPECT_FALSE(logs.truncated);
  std::string out, err;
  for (const auto& entry : logs.entries) {
    (entry.stream == docker::StreamKind::stderr_ ? err : out) += entry.payload;
  }
  EXPECT_EQ(out, "out\n");
  EXPECT_EQ(err, "err\n");
}

TEST_F(ContainerServiceTest, ExecCapturesOutputAndExitCode) {
  const auto member = developer("team-a");
  const auto id = create(member, unique_name("exec"));
  start(member, id);
  ExecRequest request;
  request.cmd = {"sh", "-c", "echo hello; echo oops >&2; exit 7"};
  const auto result =
      run(ioc_, service_->exec(member, kEnv, id, request, std::chrono::seconds(30)));
  EXPECT_EQ(result.stdout_text, "hello\n");
  EXPECT_EQ(result.stderr_text, "oops\n");
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_FALSE(result.truncated);
  EXPECT_FALSE(result.timed_out);
}

TEST_F(ContainerServiceTest, ExecOutputIsBoundedAndTimeBounded) {
  const auto member = developer("team-a");
  const auto id = create(member, unique_name("bounds"));
  start(member, id);
  ExecRequest flood;
  flood.cmd = {"head", "-c", "3000000", "/dev/zero"};
  const auto flooded = run(ioc_, service_->exec(member, kEnv, id, flood, std::chrono::seconds(30)));
  EXPECT_TRUE(flooded.truncated);
  EXPECT_EQ(flooded.stdout_text.size(), 1024U * 1024U);
  EXPECT_EQ(flooded.exit_code, 0);

  ExecRequest slow;
  slow.cmd = {"sleep", "30"};
  const auto timed = run(ioc_, service_->exec(member, kEnv, id, slow, std::chrono::seconds(1)));
  EXPECT_TRUE(timed.timed_out);
  EXPECT_EQ(timed.exit_code, std::nullopt);
}

TEST_F(ContainerServiceTest, APrivilegedExecIsTheTeamPolicysCall) {
  const auto member = developer("team-a");
  const auto id = create(member, unique_name("priv"));
  start(member, id);
  ExecRequest privileged;
  privileged.cmd = {"true"};
  privileged.privileged = true;
  EXPECT_EQ(error_of([&] {
              run(ioc_, service_->exec(member, kEnv, id, privileged, std::chrono::seconds(10)));
            }).code(),
            "policy_denied");
  policy::Policy relaxed;
  relaxed.allow_privileged_exec = true;
  teams_.add("team-a", relaxed);
  // Allowed now: the engine runs it (whether the test engine can grant the privileges is its
  // own business; it reports an exit code either way).
  const auto result =
      run(ioc_, service_->exec(member, kEnv, id, privileged, std::chrono::seconds(10)));
  EXPECT_TRUE(result.exit_code.has_value());
}

TEST_F(ContainerServiceTest, AnInteractiveExecTakesInputAndReportsItsExit) {
  const auto member = developer("team-a");
  const auto id = create(member, unique_name("attach"));
  start(member, id);
  ExecRequest request;
  request.cmd = {"sh", "-c", "cat; exit 4"};
  auto session = run(ioc_, service_->exec_interactive(member, kEnv, id, request, std::nullopt));
  ASSERT_TRUE(session);
  EXPECT_FALSE(session->tty());
  run(ioc_, session->write_input("ping\n"));
  session->close_input();
  const std::string echoed = run(ioc_, [&]() -> asio::awaitable<std::string> {
    std::string out;
    for (;;) {
      auto frames = co_await session->read_output();
      if (!frames) break;
      for (const auto& frame : *frames) out += frame.payload;
    }
    co_return out;
  }());
  EXPECT_EQ(echoed, "ping\n");
  EXPECT_EQ(run(ioc_, session->exit_code()), 4);
}

}  // namespace
}  // namespace dokkerr::containers
