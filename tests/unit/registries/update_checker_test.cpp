// Image references as the registry API names them, and the update check's comparison against
// fakes of the engines, the registry and the store. The real engine and registry:
// tests/integration/image_updates.test.mjs.
#include "registries/image_reference.hpp"
#include "registries/update_checker.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

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

TEST(ImageReference, SplitsWhatTheRegistryApiNames) {
  const auto hub = parse_image_reference("busybox");
  ASSERT_TRUE(hub.has_value());
  EXPECT_EQ(hub->address, "docker.io");
  EXPECT_EQ(hub->repository, "library/busybox");
  EXPECT_EQ(hub->local_name, "busybox");
  EXPECT_EQ(hub->tag, "latest");
  const auto own = parse_image_reference("127.0.0.1:5000/team/app:1.2");
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(own->address, "127.0.0.1:5000");
  EXPECT_EQ(own->repository, "team/app");
  EXPECT_EQ(own->tag, "1.2");
  EXPECT_EQ(parse_image_reference("grafana/grafana:10")->repository, "grafana/grafana");
  EXPECT_EQ(parse_image_reference("localhost/app")->address, "localhost");
  EXPECT_EQ(parse_image_reference("Registry.Example.com/a")->address, "registry.example.com");
  EXPECT_EQ(parse_image_reference("docker.io/library/busybox")->repository, "library/busybox");
}

TEST(ImageReference, LeavesOutWhatCannotChangeOrIsNoReference) {
  for (const auto* none : {"", "sha256:0123456789abcdef", "app@sha256:abc", "0123456789abcdef",
                           "Upper/case", "a:", "a:bad tag", "r:5000/", "-x/y"}) {
    EXPECT_FALSE(parse_image_reference(none).has_value()) << none;
  }
}

class FakeLocal final : public LocalImages {
 public:
  std::vector<std::string> environments() override { return {"local", "down"}; }
  asio::awaitable<std::vector<ImageInUse>> in_use(std::string environment) override {
    if (environment == "down") throw Error::unavailable("engine_unavailable", "down");
    co_return images;
  }
  std::vector<ImageInUse> images;
};

class FakeApi final : public RegistryApi {
 public:
  void check_login(const RegistryEndpoint&) override {}
  NamePage repositories(const RegistryEndpoint&, std::size_t, std::string_view) override {
    return {};
  }
  NamePage tags(const RegistryEndpoint&, std::string_view, std::size_t,
                std::string_view) override {
    return {};
  }
  std::string manifest_digest(const RegistryEndpoint& endpoint, std::string_view repository,
                              std::string_view reference) override {
    asked.push_back(endpoint);
    const auto key = std::string(repository) + ":" + std::string(reference);
    const auto found = digests.find(key);
    if (found == digests.end()) throw Error::not_found("manifest_not_found", "no " + key);
    return found->second;
  }
  std::map<std::string, std::string> digests;
  std::vector<RegistryEndpoint> asked;
};

class FakeUpdates final : public UpdateStore {
 public:
  void replace(std::string_view environment, const std::vector<ImageUpdate>& updates) override {
    kept[std::string(environment)] = updates;
  }
  std::vector<ImageUpdate> list(std::string_view environment) override {
    return kept[std::string(environment)];
  }
  std::map<std::string, std::vector<ImageUpdate>> kept;
};

class FakeRegistries final : public RegistryStore {
 public:
  void insert(const Registry& r) override { rows.push_back(r); }
  void update(const Registry&) override {}
  std::optional<Registry> get(std::string_view) override { return std::nullopt; }
  std::vector<Registry> list(const std::optional<std::set<std::string, std::less<>>>&) override {
    return rows;
  }
  std::vector<Registry> for_address(std::string_view address) override {
    std::vector<Registry> out;
    for (const auto& r : rows) {
      if (r.address == address) out.push_back(r);
    }
    return out;
  }
  std::size_t count(std::string_view) override { return rows.size(); }
  bool remove(std::string_view) override { return false; }
  std::vector<Registry> rows;
};

class FakeScopes final : public Scopes {
 public:
  std::optional<std::string> organization_of_team(std::string_view team) override {
    if (team == "team-a") return "org-a";
    return std::nullopt;
  }
  bool organization_exists(std::string_view) override { return true; }
};

const std::string kOld = "sha256:" + std::string(64, '1');
const std::string kNew = "sha256:" + std::string(64, '2');

class UpdateCheckerTest : public ::testing::Test {
 protected:
  UpdateCheckerTest()
      : registries_(store_, api_, scopes_, pool_, clock_, {"127.0.0.1:5000"}),
        checker_(local_, registries_, api_, updates_, pool_, clock_) {}

  FakeLocal local_;
  FakeApi api_;
  FakeUpdates updates_;
  FakeRegistries store_;
  FakeScopes scopes_;
  BlockingPool pool_{1};
  ManualClock clock_;
  RegistryService registries_;
  UpdateChecker checker_;
};

TEST_F(UpdateCheckerTest, ComparesTheDigestTheEnginePulledWithTheRegistrys) {
  local_.images = {
      {"127.0.0.1:5000/team/app:1", {"team-a"}, {"127.0.0.1:5000/team/app@" + kOld}},
      {"127.0.0.1:5000/team/db:2", {"team-a"}, {"127.0.0.1:5000/team/db@" + kNew}},
      {"127.0.0.1:5000/team/built:1", {"team-a"}, {}},
      {"127.0.0.1:5000/team/gone:1", {"team-a"}, {"127.0.0.1:5000/team/gone@" + kOld}},
      {"sha256:" + std::string(64, 'f'), {""}, {}},
  };
  api_.digests = {{"team/app:1", kNew}, {"team/db:2", kNew}, {"team/built:1", kNew}};
  Registry login;
  login.id = "r1";
  login.organization_id = "org-a";
  login.address = "127.0.0.1:5000";
  login.username = "robot";
  login.password = "pw";
  login.insecure = true;
  store_.rows.push_back(login);

  const auto found = run(checker_.check("local"));
  std::map<std::string, std::string> status;
  for (const auto& u : found) status[u.image] = u.status;
  EXPECT_EQ(status.at("127.0.0.1:5000/team/app:1"), "update_available");
  EXPECT_EQ(status.at("127.0.0.1:5000/team/db:2"), "up_to_date");
  EXPECT_EQ(status.at("127.0.0.1:5000/team/built:1"), "unknown");
  EXPECT_EQ(status.at("127.0.0.1:5000/team/gone:1"), "unknown");
  EXPECT_EQ(status.at("sha256:" + std::string(64, 'f')), "unknown");
  // The organization's login of the team that runs the images, over plain HTTP as stored; a
  // listed address may be dialled.
  ASSERT_FALSE(api_.asked.empty());
  EXPECT_EQ(api_.asked.front().username, "robot");
  EXPECT_TRUE(api_.asked.front().insecure);
  EXPECT_TRUE(api_.asked.front().any_address);
  EXPECT_EQ(run(checker_.results("local")).size(), found.size());
}

TEST_F(UpdateCheckerTest, WithoutALoginOnlyPublicOrListedRegistriesAreAsked) {
  local_.images = {{"10.1.2.3:5000/app:1", {"team-b"}, {}},
                   {"registry.example.com/app:1", {"team-b"}, {}}};
  (void)run(checker_.check("local"));
  ASSERT_EQ(api_.asked.size(), 2U);
  EXPECT_FALSE(api_.asked[0].any_address);
  EXPECT_TRUE(api_.asked[0].username.empty());
  EXPECT_FALSE(api_.asked[1].insecure);
  // Every environment is tried; one whose engine is down does not stop the others.
  run(checker_.check_all());
  EXPECT_TRUE(updates_.kept.contains("local"));
  EXPECT_FALSE(updates_.kept.contains("down"));
}

}  // namespace
}  // namespace dokkerr::registries
