// The deploy's rules against a fake environment: what is kept, replaced and removed, the waits
// for dependencies and their failures, and the policy run before anything is made. The real
// engine, policy and tenancy are the integration test's (tests/integration/stacks.test.mjs).
#include "stacks/stack_service.hpp"

#include "core/error.hpp"
#include "stacks/stack_hooks.hpp"
#include "stacks/service_body.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <map>

namespace dokkerr::stacks {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;

template <typename T>
T run(asio::awaitable<T> task) {
  asio::io_context io;
  auto result = asio::co_spawn(io, std::move(task), asio::use_future);
  io.run();
  return result.get();
}

class FakeStore final : public StackStore {
 public:
  void insert(const Stack& stack) override {
    for (const auto& [id, s] : stacks_) {
      if (s.environment == stack.environment && s.name == stack.name) {
        throw Error::conflict("stack_exists", "taken");
      }
    }
    stacks_[stack.id] = stack;
  }
  void update(const Stack& stack) override { stacks_[stack.id] = stack; }
  std::optional<Stack> get(std::string_view id) override {
    const auto found = stacks_.find(std::string(id));
    if (found == stacks_.end()) return std::nullopt;
    return found->second;
  }
  std::optional<Stack> find(std::string_view environment, std::string_view name) override {
    for (const auto& [id, s] : stacks_) {
      if (s.environment == environment && s.name == name) return s;
    }
    return std::nullopt;
  }
  std::vector<Stack> list(std::string_view environment,
                          const std::optional<std::set<std::string, std::less<>>>&) override {
    std::vector<Stack> out;
    for (const auto& [id, s] : stacks_) {
      if (s.environment == environment) out.push_back(s);
    }
    return out;
  }
  std::size_t count(std::string_view environment) override { return list(environment, {}).size(); }
  std::vector<Stack> from_git() override {
    std::vector<Stack> out;
    for (const auto& [id, s] : stacks_) {
      if (s.git) out.push_back(s);
    }
    return out;
  }
  std::vector<Stack> auto_updating() override {
    std::vector<Stack> out;
    for (const auto& [id, s] : stacks_) {
      if (s.auto_update) out.push_back(s);
    }
    return out;
  }
  void remove(std::string_view id) override { stacks_.erase(std::string(id)); }
  void add_version(std::string_view id, const StackVersion& v) override {
    versions_[std::string(id)].insert(versions_[std::string(id)].begin(), v);
  }
  std::vector<StackVersion> versions(std::string_view id, std::size_t) override {
    return versions_[std::string(id)];
  }
  void put_hook(const StackHook& hook) override { hooks_[hook.stack_id] = hook; }
  bool remove_hook(std::string_view id) override { return hooks_.erase(std::string(id)) > 0; }
  std::optional<StackHook> hook_of(std::string_view id) override {
    const auto found = hooks_.find(std::string(id));
    if (found == hooks_.end()) return std::nullopt;
    return found->second;
  }
  std::optional<StackHook> hook_by_token(std::string_view hash) override {
    for (const auto& [id, hook] : hooks_) {
      if (hook.token_hash == hash) return hook;
    }
    return std::nullopt;
  }
  void hook_used(std::string_view id, std::string_view at) override {
    hooks_[std::string(id)].last_used_at = at;
  }

 private:
  std::map<std::string, StackHook> hooks_;
  std::map<std::string, Stack> stacks_;
  std::map<std::string, std::vector<StackVersion>> versions_;
};

// An engine in memory. Services named in `health` report that health once started; those in
// `exit_codes` run to completion with that code. A privileged body is the policy's refusal.
class FakeHost final : public StackHost {
 public:
  struct Container {
    ProjectContainer info;
    bool has_healthcheck = false;
  };
  std::map<std::string, std::string> health;
  std::map<std::string, int> exit_codes;
  std::map<std::string, Container> containers;
  std::vector<std::string> calls;
  int next_id = 1;

  asio::awaitable<std::string> deploying_team(const Principal&, std::string,
                                              std::optional<std::string>) override {
    co_return "team-1";
  }
  asio::awaitable<void> check_container(const Principal&, std::string, std::string,
                                        bj::object body) override {
    calls.push_back("check " + std::string(body.at("Labels").at(kServiceLabel).as_string()));
    if (body.at("HostConfig").as_object().contains("Privileged")) {
      throw Error(ErrorKind::forbidden, "policy_denied", "HostConfig.Privileged");
    }
    co_return;
  }
  asio::awaitable<void> check_volume(const Principal&, std::string, std::string,
                                     bj::object) override {
    co_return;
  }
  asio::awaitable<void> ensure_network(const Principal&, std::string, std::string, std::string name,
                                       std::optional<bj::object>) override {
    calls.push_back("network " + name);
    co_return;
  }
  asio::awaitable<void> ensure_volume(const Principal&, std::string, std::string, std::string name,
                                      std::optional<bj::object>) override {
    calls.push_back("volume " + name);
    co_return;
  }
  asio::awaitable<std::vector<ProjectContainer>> project_containers(const Principal&, std::string,
                                                                    std::string) override {
    std::vector<ProjectContainer> out;
    for (const auto& [id, c] : containers) out.push_back(c.info);
    co_return out;
  }
  asio::awaitable<std::string> create_container(const Principal&, std::string, std::string,
                                                std::string name, bj::object body,
                                                std::string pull) override {
    calls.push_back("pull " + pull);
    const auto& labels = body.at("Labels").as_object();
    Container c;
    c.info.id = "c" + std::to_string(next_id++);
    c.info.name = name;
    c.info.service = std::string(labels.at(kServiceLabel).as_string());
    c.info.number = std::stoi(std::string(labels.at(kNumberLabel).as_string()));
    c.info.config_hash = std::string(labels.at(kConfigHashLabel).as_string());
    c.info.state = "created";
    c.info.image_id = images[std::string(body.at("Image").as_string())];
    c.has_healthcheck = body.contains("Healthcheck");
    calls.push_back("create " + name);
    containers[c.info.id] = c;
    co_return c.info.id;
  }
  // Image name → the id the engine has for it; a refresh "pulls" `pushed` over it.
  std::map<std::string, std::string> images;
  std::map<std::string, std::string> pushed;
  asio::awaitable<std::string> refresh_image(const Principal&, std::string, std::string,
                                             std::string image) override {
    calls.push_back("refresh " + image);
    if (image == "unreachable") throw Error(ErrorKind::bad_gateway, "image_pull_failed", "no");
    if (const auto found = pushed.find(image); found != pushed.end()) images[image] = found->second;
    co_return images[image];
  }
  asio::awaitable<void> connect(const Principal&, std::string, std::string network,
                                std::string container, bj::object) override {
    calls.push_back("connect " + container + " " + network);
    co_return;
  }
  asio::awaitable<void> start(const Principal&, std::string, std::string id) override {
    auto& c = containers.at(id);
    calls.push_back("start " + c.info.name);
    c.info.state = exit_codes.contains(c.info.service) ? "exited" : "running";
    co_return;
  }
  asio::awaitable<void> rename(const Principal&, std::string, std::string id,
                               std::string name) override {
    calls.push_back("rename " + containers.at(id).info.name + " " + name);
    containers.at(id).info.name = name;
    co_return;
  }
  asio::awaitable<void> stop(const Principal&, std::string, std::string id) override {
    containers.at(id).info.state = "exited";
    co_return;
  }
  asio::awaitable<void> remove_container(const Principal&, std::string, std::string id) override {
    calls.push_back("remove " + containers.at(id).info.name);
    containers.erase(id);
    co_return;
  }
  asio::awaitable<ContainerStatus> status(const Principal&, std::string, std::string id) override {
    const auto& c = containers.at(id);
    ContainerStatus s;
    s.state = c.info.state;
    if (c.has_healthcheck) {
      const auto found = health.find(c.info.service);
      s.health = found == health.end() ? "healthy" : found->second;
    }
    if (const auto code = exit_codes.find(c.info.service); code != exit_codes.end()) {
      s.exit_code = code->second;
    }
    co_return s;
  }
  std::map<std::string, std::vector<LogLine>> logged;  // by container name
  asio::awaitable<std::vector<LogLine>> logs(const Principal&, std::string, std::string id,
                                             std::size_t tail) override {
    auto lines = logged[containers.at(id).info.name];
    if (lines.size() > tail) lines.erase(lines.begin(), lines.end() - static_cast<long>(tail));
    co_return lines;
  }
  asio::awaitable<void> remove_network(const Principal&, std::string, std::string name) override {
    calls.push_back("remove network " + name);
    co_return;
  }
  asio::awaitable<void> remove_volume(const Principal&, std::string, std::string name) override {
    calls.push_back("remove volume " + name);
    co_return;
  }

  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [id, c] : containers) out.push_back(c.info.name);
    std::sort(out.begin(), out.end());
    return out;
  }
};

class StackServiceTest : public ::testing::Test {
 protected:
  StackServiceTest() : service_(store_, host_, pool_, clock_, settings()) {
    caller_.user_id = "u1";
    caller_.is_admin = true;
  }
  static StackSettings settings() {
    StackSettings s;
    s.poll_interval = std::chrono::milliseconds(1);
    s.dependency_timeout = std::chrono::milliseconds(50);
    s.settle_time = std::chrono::milliseconds(5);
    return s;
  }
  StackView deploy(const std::string& compose) {
    if (!store_.find("local", "app")) {
      return run(
          service_.create(caller_, "local", "app", std::nullopt, StackSource{compose, {}, {}}));
    }
    return run(service_.update(caller_, "local", "app", StackSource{compose, {}, {}}));
  }
  Error refusal(const std::string& compose) {
    try {
      deploy(compose);
    } catch (const Error& error) {
      return error;
    }
    ADD_FAILURE() << "deployed";
    return Error::internal_error("none");
  }

  FakeStore store_;
  FakeHost host_;
  BlockingPool pool_{1};
  SystemClock clock_;
  StackService service_;
  Principal caller_;
};

constexpr const char* kApp = R"(
services:
  db:
    image: db
    healthcheck: {test: "true"}
  web:
    image: web
    deploy: {replicas: 2}
    depends_on: {db: {condition: service_healthy}}
    networks: [front, default]
  worker:
    image: worker
networks:
  front:
)";

TEST_F(StackServiceTest, DeploysInOrderAndJoinsEveryNetwork) {
  const auto view = deploy(kApp);
  EXPECT_EQ(view.stack.status, "running");
  EXPECT_EQ(host_.names(),
            (std::vector<std::string>{"app-db-1", "app-web-1", "app-web-2", "app-worker-1"}));
  // Checked first, all of them; then networks; db before web.
  EXPECT_EQ(host_.calls[0], "check db");
  EXPECT_EQ(host_.calls[3], "network app_default");
  const auto at = [&](const std::string& call) {
    return std::find(host_.calls.begin(), host_.calls.end(), call) - host_.calls.begin();
  };
  EXPECT_LT(at("start app-db-1"), at("create app-web-1"));
  std::string web_id;
  for (const auto& [id, c] : host_.containers) {
    if (c.info.name == "app-web-1") web_id = id;
  }
  EXPECT_NE(at("connect " + web_id + " app_default"), static_cast<long>(host_.calls.size()));
  // db and worker depend on nothing: made in one wave, before web's.
  EXPECT_LT(at("create app-worker-1"), at("create app-web-1"));
}

TEST_F(StackServiceTest, AnUpdateKeepsWhatIsUnchangedAndRemovesWhatIsGone) {
  deploy(kApp);
  const auto db_id = host_.containers.begin()->first;
  host_.containers.at(db_id).info.state = "exited";  // stopped by hand: started again
  host_.calls.clear();
  std::string smaller = kApp;
  smaller.replace(smaller.find("replicas: 2"), 11, "replicas: 1");
  smaller.erase(smaller.find("  worker:"), std::string("  worker:\n    image: worker\n").size());
  const auto view = deploy(smaller);
  EXPECT_EQ(view.stack.version, 2);
  EXPECT_EQ(host_.names(), (std::vector<std::string>{"app-db-1", "app-web-1"}));
  EXPECT_TRUE(host_.containers.contains(db_id));
  EXPECT_EQ(host_.containers.at(db_id).info.state, "running");
  // web's replica count is part of its hash: its first replica is replaced too.
  EXPECT_NE(std::find(host_.calls.begin(), host_.calls.end(), "remove app-worker-1"),
            host_.calls.end());
  EXPECT_NE(std::find(host_.calls.begin(), host_.calls.end(), "remove app-web-2"),
            host_.calls.end());
  EXPECT_EQ(std::count_if(host_.calls.begin(), host_.calls.end(),
                          [](const std::string& c) { return c.starts_with("create app-db"); }),
            0);

  // The same file again changes nothing.
  host_.calls.clear();
  const auto same = deploy(smaller);
  EXPECT_EQ(same.stack.version, 2);
  EXPECT_TRUE(std::none_of(host_.calls.begin(), host_.calls.end(), [](const std::string& c) {
    return c.starts_with("create") || c.starts_with("remove");
  }));
}

TEST_F(StackServiceTest, AnUnhealthyOrFailedDependencyStopsTheDeployAndIsRecorded) {
  host_.health["db"] = "unhealthy";
  const auto error = refusal(kApp);
  EXPECT_EQ(error.code(), "stack_dependency_failed");
  EXPECT_EQ(error.detail(), "services.web.depends_on.db (service_healthy): db is unhealthy.");
  const auto stack = store_.find("local", "app");
  ASSERT_TRUE(stack);
  EXPECT_EQ(stack->status, "failed");
  EXPECT_EQ(stack->error, error.detail());
  // worker depends on nothing and was made beside db; web never was.
  EXPECT_EQ(host_.names(), (std::vector<std::string>{"app-db-1", "app-worker-1"}));

  host_.health["db"] = "starting";  // never gets there
  EXPECT_EQ(refusal(kApp).code(), "stack_dependency_timeout");

  host_.health.clear();
  host_.containers.clear();  // db is made again, as a job that fails
  host_.exit_codes["db"] = 3;
  std::string job = kApp;
  job.replace(job.find("service_healthy"), 15, "service_completed_successfully");
  const auto failed = refusal(job);
  EXPECT_EQ(failed.detail(),
            "services.web.depends_on.db (service_completed_successfully): db exited with code 3.");
}

TEST_F(StackServiceTest, APolicyRefusalLeavesNothingBehind) {
  std::string privileged = kApp;
  privileged.replace(privileged.find("image: worker"), 13, "image: worker\n    privileged: true");
  const auto error = refusal(privileged);
  EXPECT_EQ(error.code(), "policy_denied");
  EXPECT_TRUE(host_.containers.empty());
  EXPECT_TRUE(std::all_of(host_.calls.begin(), host_.calls.end(),
                          [](const std::string& c) { return c.starts_with("check"); }));
  EXPECT_FALSE(store_.find("local", "app"));
}

TEST_F(StackServiceTest, RemovalTakesContainersAndNetworksAndVolumesOnlyWhenAsked) {
  deploy(std::string(kApp) + "volumes:\n  data:\n");
  host_.calls.clear();
  run(service_.remove(caller_, "local", "app", false));
  EXPECT_TRUE(host_.containers.empty());
  EXPECT_NE(std::find(host_.calls.begin(), host_.calls.end(), "remove network app_front"),
            host_.calls.end());
  EXPECT_EQ(std::find(host_.calls.begin(), host_.calls.end(), "remove volume app_data"),
            host_.calls.end());
  EXPECT_FALSE(store_.find("local", "app"));
  try {
    run(service_.get(caller_, "local", "app"));
    ADD_FAILURE() << "still there";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "stack_not_found");
  }
}

TEST_F(StackServiceTest, LogsMergeInTimeOrderWithTheirService) {
  deploy(kApp);
  // The engine drops trailing zeros of the fraction: .5 is after .45.
  host_.logged["app-db-1"] = {{"2026-12-07T10:00:00.5Z", "stdout", "db ready"},
                              {"2026-12-07T10:00:02Z", "stderr", "db slow query"}};
  host_.logged["app-web-1"] = {{"2026-12-07T10:00:00.45Z", "stdout", "web starting"},
                               {"2026-12-07T10:00:01.000000001Z", "stdout", "web up"}};
  const auto lines = run(service_.logs(caller_, "local", "app", 10, std::nullopt));
  std::vector<std::string> texts;
  for (const auto& l : lines) texts.push_back(l.service + ": " + l.line.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"web: web starting", "db: db ready", "web: web up",
                                             "db: db slow query"}));
  const auto web = run(service_.logs(caller_, "local", "app", 1, std::string("web")));
  ASSERT_EQ(web.size(), 1U);
  EXPECT_EQ(web[0].line.text, "web up");
  EXPECT_EQ(web[0].container, "app-web-1");
}

TEST_F(StackServiceTest, AnUpdateKeepsTheValuesItWasNotSent) {
  const std::string file = "services:\n  a:\n    image: x\n    env_file: a.env\n";
  run(service_.create(caller_, "local", "app", std::nullopt,
                      StackSource{file, {{"V", "1"}}, {{"a.env", "K=v\n"}}}));
  KeptInputs kept;
  kept.env_files = true;
  const auto view = run(service_.update(caller_, "local", "app", StackSource{file, {}, {}}, kept));
  EXPECT_EQ(view.stack.source.env_files.at("a.env"), "K=v\n");
  EXPECT_TRUE(view.stack.source.variables.empty());  // sent (empty): replaced
  EXPECT_EQ(view.stack.version, 2);
}

TEST_F(StackServiceTest, MembersOfOtherTeamsLearnNothing) {
  deploy(kApp);
  Principal stranger;
  stranger.user_id = "u2";
  try {
    run(service_.get(stranger, "local", "app"));
    ADD_FAILURE() << "visible";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "stack_not_found");
  }
}

TEST_F(StackServiceTest, ARedeployPullsAndReplacesOnlyWhatRunsAnOlderImage) {
  host_.images = {{"db", "sha256:db1"}, {"web", "sha256:web1"}};
  deploy(kApp);
  const auto before = host_.names();
  host_.calls.clear();
  host_.pushed["web"] = "sha256:web2";
  const auto view = run(service_.redeploy(caller_, "local", "app"));
  EXPECT_EQ(view.stack.version, 1);  // the same file: no new version
  EXPECT_EQ(host_.names(), before);
  const auto& calls = host_.calls;
  const auto count = [&calls](const std::string& call) {
    return std::count(calls.begin(), calls.end(), call);
  };
  EXPECT_EQ(count("refresh db"), 1);
  EXPECT_EQ(count("refresh web"), 1);
  EXPECT_EQ(count("remove app-db-1"), 0);
  // Each web replica: the old one set aside and stopped, the new one made, then the old removed.
  EXPECT_EQ(count("rename app-web-1 app-web-1-previous"), 1);
  EXPECT_EQ(count("remove app-web-1-previous"), 1);
  EXPECT_EQ(count("remove app-web-2-previous"), 1);
  EXPECT_EQ(count("remove app-worker-1"), 0);
  const std::map<std::string, std::string> expected{
      {"db", "sha256:db1"}, {"web", "sha256:web2"}, {"worker", ""}};
  for (const auto& [id, c] : host_.containers) {
    EXPECT_EQ(c.info.image_id, expected.at(c.info.service)) << c.info.name;
  }
  // Nothing newer: nothing replaced.
  host_.calls.clear();
  run(service_.redeploy(caller_, "local", "app"));
  EXPECT_EQ(std::count_if(calls.begin(), calls.end(),
                          [](const std::string& c) { return c.starts_with("remove"); }),
            0);
}

TEST_F(StackServiceTest, ANewImageThatIsNotHealthyIsRolledBack) {
  host_.images = {{"db", "sha256:db1"}, {"web", "sha256:web1"}};
  deploy(kApp);
  const auto before = host_.containers;
  host_.pushed["db"] = "sha256:db2";
  host_.health["db"] = "unhealthy";  // what the newer db image does
  try {
    run(service_.redeploy(caller_, "local", "app"));
    ADD_FAILURE() << "redeployed";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "stack_update_rolled_back");
    EXPECT_NE(error.detail().find("services.db"), std::string::npos) << error.detail();
  }
  // The old db runs again under its name; nothing else was touched.
  ASSERT_EQ(host_.containers.size(), before.size());
  for (const auto& [id, c] : before) {
    ASSERT_TRUE(host_.containers.contains(id)) << c.info.name;
    EXPECT_EQ(host_.containers.at(id).info.name, c.info.name);
    EXPECT_EQ(host_.containers.at(id).info.state, "running");
  }
  EXPECT_EQ(store_.find("local", "app")->status, "failed");
}

TEST_F(StackServiceTest, ARedeployWhosePullFailsChangesNothing) {
  deploy("services:\n  a:\n    image: x\n  b:\n    image: unreachable\n");
  const auto before = host_.names();
  host_.calls.clear();
  try {
    run(service_.redeploy(caller_, "local", "app"));
    ADD_FAILURE() << "redeployed";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "image_pull_failed");
  }
  EXPECT_EQ(host_.names(), before);
  for (const auto& call : host_.calls) EXPECT_TRUE(call.starts_with("check") || call.starts_with("refresh")) << call;
  // pull_policy: never is never pulled.
  deploy("services:\n  a:\n    image: x\n  b:\n    image: unreachable\n    pull_policy: never\n");
  run(service_.redeploy(caller_, "local", "app"));
}

class FakeActors final : public HookActors {
 public:
  asio::awaitable<std::shared_ptr<const Principal>> acting_as(std::string user_id) override {
    const auto found = accounts.find(user_id);
    co_return found == accounts.end() ? nullptr : std::make_shared<Principal>(found->second);
  }
  std::map<std::string, Principal> accounts;
};

class FakeAudit final : public AuditTrail {
 public:
  asio::awaitable<void> record(AuditRecord entry) override {
    entries.push_back(std::move(entry));
    co_return;
  }
  std::vector<AuditRecord> entries;
};

class StackHooksTest : public StackServiceTest {
 protected:
  StackHooksTest() : hooks_(store_, service_, actors_, audit_, pool_, clock_) {
    actors_.accounts["u1"] = caller_;
  }
  std::string code_of_fire(const std::string& token) {
    try {
      run(hooks_.fire(token, ClientInfo{"198.51.100.7", "ci", "req-1"}));
    } catch (const Error& error) {
      return error.code();
    }
    return "";
  }
  FakeActors actors_;
  FakeAudit audit_;
  StackHooks hooks_;
};

TEST_F(StackHooksTest, AHookRedeploysAsItsIssuerAndIsAudited) {
  host_.images = {{"db", "sha256:db1"}, {"web", "sha256:web1"}};
  deploy(kApp);
  const auto issued = run(hooks_.issue(caller_, "local", "app"));
  EXPECT_TRUE(issued.token.starts_with("dkh_"));
  EXPECT_EQ(issued.token.size(), 68U);
  EXPECT_EQ(issued.hook.token_hash.find(issued.token.substr(4)), std::string::npos);
  host_.pushed["web"] = "sha256:web2";
  const auto outcome = run(hooks_.fire(issued.token, ClientInfo{"198.51.100.7", "ci", "r"}));
  EXPECT_EQ(outcome.stack, "app");
  EXPECT_EQ(outcome.status, "running");
  ASSERT_EQ(audit_.entries.size(), 1U);
  EXPECT_EQ(audit_.entries[0].action, "stacks.hook.fire");
  EXPECT_EQ(audit_.entries[0].result, "success");
  EXPECT_EQ(audit_.entries[0].target, "stack:local/app");
  EXPECT_EQ(audit_.entries[0].actor_id, "u1");
  EXPECT_FALSE(run(hooks_.get(caller_, "local", "app")).last_used_at.empty());

  // Issuing again replaces the token: the old one is unknown from then on.
  const auto again = run(hooks_.issue(caller_, "local", "app"));
  EXPECT_EQ(code_of_fire(issued.token), "hook_not_found");
  EXPECT_EQ(code_of_fire(again.token), "");
  // An account that is gone fires nothing.
  actors_.accounts.clear();
  EXPECT_EQ(code_of_fire(again.token), "hook_owner_inactive");
  EXPECT_EQ(audit_.entries.back().result, "denied");
  run(hooks_.revoke(caller_, "local", "app"));
  EXPECT_EQ(code_of_fire(again.token), "hook_not_found");
}

TEST_F(StackHooksTest, UnknownAndMalformedTokensAre404AndAudited) {
  deploy(kApp);
  for (const std::string& token : {std::string("dkh_") + std::string(64, 'a'), std::string("nope"),
                                  std::string("dkh_") + std::string(64, 'Z'), std::string(5000, 'x')}) {
    audit_.entries.clear();
    EXPECT_EQ(code_of_fire(token), "hook_not_found");
    ASSERT_EQ(audit_.entries.size(), 1U);
    EXPECT_EQ(audit_.entries[0].result, "denied");
    EXPECT_EQ(audit_.entries[0].client.remote_address, "198.51.100.7");
    if (token.size() > 24) {
      EXPECT_EQ(audit_.entries[0].target.find(token.substr(4, 20)), std::string::npos);
    }
  }
  Principal stranger;
  stranger.user_id = "u2";
  try {
    run(hooks_.issue(stranger, "local", "app"));
    ADD_FAILURE() << "issued";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "stack_not_found");
  }
}

}  // namespace
}  // namespace dokkerr::stacks
