#include "http/stream_guard.hpp"

#include "core/logger.hpp"
#include "core/permissions.hpp"
#include "http/pipeline.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>

namespace dokkerr::http {
namespace {

using namespace std::chrono_literals;

Principal member(std::initializer_list<std::pair<const char*, const char*>> team_permissions) {
  Principal p;
  p.user_id = "u1";
  p.session_id = "s1";
  for (const auto& [team, permission] : team_permissions) {
    p.team_permissions[team].insert(permission);
    p.team_orgs[team] = "o1";
    p.environment_teams["local"].insert(team);
  }
  return p;
}

TEST(StillCovers, TheSameOrMoreAccessKeepsAStream) {
  const auto before = member({{"t1", "containers:exec"}});
  EXPECT_TRUE(still_covers(before, before, "containers:exec", "local"));
  const auto more = member({{"t1", "containers:exec"}, {"t2", "containers:exec"}});
  EXPECT_TRUE(still_covers(before, more, "containers:exec", "local"));
  auto admin = before;
  admin.is_admin = true;
  EXPECT_TRUE(still_covers(before, admin, "containers:exec", "local"));
}

TEST(StillCovers, ATeamRoleLostEndsItEvenWhenAnotherTeamStillGrantsThePermission) {
  const auto before = member({{"t1", "containers:exec"}, {"t2", "containers:exec"}});
  EXPECT_FALSE(
      still_covers(before, member({{"t2", "containers:exec"}}), "containers:exec", "local"));
  EXPECT_FALSE(still_covers(before, member({{"t1", "containers:read"}, {"t2", "containers:exec"}}),
                            "containers:exec", "local"));
  EXPECT_FALSE(still_covers(before, member({}), "containers:exec", ""));
}

TEST(StillCovers, AGrantOfTheEnvironmentLostEndsIt) {
  const auto before = member({{"t1", "events:read"}});
  auto now = before;
  now.environment_teams.clear();
  EXPECT_FALSE(still_covers(before, now, "events:read", "local"));
  EXPECT_TRUE(still_covers(before, now, "events:read", "")) << "a route without an environment";
}

TEST(StillCovers, AdminLostOrAnotherAccountEndsIt) {
  auto admin = member({});
  admin.is_admin = true;
  EXPECT_FALSE(
      still_covers(admin, member({{"t1", "containers:exec"}}), "containers:exec", "local"));
  auto someone_else = member({{"t1", "containers:exec"}});
  someone_else.user_id = "u2";
  EXPECT_FALSE(
      still_covers(member({{"t1", "containers:exec"}}), someone_else, "containers:exec", "local"));
}

TEST(StillCovers, AnOrganizationPermissionLostEndsIt) {
  auto before = member({});
  before.org_permissions["o1"].insert("org:manage");
  EXPECT_FALSE(still_covers(before, member({}), "org:manage", ""));
  EXPECT_TRUE(still_covers(before, before, "org:manage", ""));
}

// Answers with whoever `current` says the caller is now; null: gone.
class SwitchableAuthenticator final : public Authenticator {
 public:
  boost::asio::awaitable<std::shared_ptr<const Principal>> authenticate(
      const Credentials&) override {
    co_return current;
  }
  boost::asio::awaitable<std::shared_ptr<const Principal>> reauthenticate(
      const Principal&) override {
    ++loads;
    co_return current;
  }
  std::shared_ptr<const Principal> current;
  std::atomic<int> loads{0};
};

class StreamGuardTest : public ::testing::Test {
 protected:
  // Runs the io_context until `done` or a bound passes.
  template <typename Predicate>
  bool run_until(Predicate done, std::chrono::milliseconds bound = 2000ms) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.run_for(10ms);
    }
    return done();
  }

  void start() {
    guard.start();
    io.poll();  // the loop notes the generation it starts from
  }

  boost::asio::io_context io;
  Logger logger{LogLevel::error};
  Generation generation;
  SwitchableAuthenticator authenticator;
  StreamGuard guard{io.get_executor(), authenticator, generation, logger, 20ms, 10s};
};

TEST_F(StreamGuardTest, AStreamEndsWhenItsCallerNoLongerCoversIt) {
  auto caller = std::make_shared<const Principal>(member({{"t1", "containers:exec"}}));
  authenticator.current = caller;
  int ended = 0;
  auto handle = guard.watch(caller, "containers:exec", "local", [&] { ++ended; });
  start();
  generation.advance();
  ASSERT_TRUE(run_until([&] { return authenticator.loads > 0; }));
  EXPECT_EQ(ended, 0) << "unchanged access keeps it";
  EXPECT_EQ(guard.watched(), 1U);

  authenticator.current = std::make_shared<const Principal>(member({{"t1", "containers:read"}}));
  generation.advance();
  ASSERT_TRUE(run_until([&] { return ended > 0; }));
  EXPECT_EQ(guard.watched(), 0U);
  generation.advance();
  run_until([] { return false; }, 100ms);
  EXPECT_EQ(ended, 1) << "at most once";
  guard.stop();
  io.run_for(50ms);
}

TEST_F(StreamGuardTest, ACallerThatCannotBeLoadedEndsAllItsStreamsWithOneLoad) {
  auto caller = std::make_shared<const Principal>(member({{"t1", "containers:logs"}}));
  int ended = 0;
  auto first = guard.watch(caller, "containers:logs", "local", [&] { ++ended; });
  auto second = guard.watch(caller, "containers:logs", "local", [&] { ++ended; });
  start();
  authenticator.current = nullptr;  // revoked, disabled, or the database cannot say
  generation.advance();
  ASSERT_TRUE(run_until([&] { return ended == 2; }));
  EXPECT_EQ(authenticator.loads, 1);
  guard.stop();
  io.run_for(50ms);
}

TEST_F(StreamGuardTest, NothingIsLoadedWhileNothingChangesAndADroppedHandleIsForgotten) {
  auto caller = std::make_shared<const Principal>(member({{"t1", "containers:logs"}}));
  authenticator.current = nullptr;
  int ended = 0;
  {
    auto handle = guard.watch(caller, "containers:logs", "local", [&] { ++ended; });
    start();
    run_until([] { return false; }, 100ms);
    EXPECT_EQ(authenticator.loads, 0);
  }
  EXPECT_EQ(guard.watched(), 0U);
  generation.advance();
  run_until([] { return false; }, 100ms);
  EXPECT_EQ(ended, 0);
  guard.stop();
  io.run_for(50ms);
}

}  // namespace
}  // namespace dokkerr::http
