#include "monitoring/live_feed.hpp"

#include <gtest/gtest.h>

namespace dokkerr::monitoring {
namespace {

LiveRound round_at(std::int64_t at) {
  LiveRound round;
  round.at_ms = at;
  round.rows.push_back(LiveRow{"local", "c1", "web", "t1", 50.5, 1024, std::nullopt, 10, 0});
  round.rows.push_back(
      LiveRow{"local", "c2", "db", "", std::nullopt, 0, 12.5, std::nullopt, std::nullopt});
  return round;
}

TEST(LiveFeed, RelaysItsRoundsAndTakesOthersButNotItsOwnOrOlderOnes) {
  LiveFeed collecting("node-a");
  std::vector<std::string> relayed;
  collecting.relay_to([&](std::string message) { relayed.push_back(std::move(message)); });
  collecting.update(round_at(2000));
  ASSERT_EQ(relayed.size(), 1U);
  EXPECT_EQ(collecting.latest()->at_ms, 2000);

  LiveFeed other("node-b");
  other.accept(relayed[0]);
  const auto got = other.latest();
  EXPECT_EQ(got->at_ms, 2000);
  ASSERT_EQ(got->rows.size(), 2U);
  EXPECT_EQ(got->rows[0].id, "c1");
  EXPECT_EQ(got->rows[0].team, "t1");
  EXPECT_DOUBLE_EQ(*got->rows[0].cpu_percent, 50.5);
  EXPECT_DOUBLE_EQ(*got->rows[0].network_receive_bps, 10);
  EXPECT_FALSE(got->rows[1].cpu_percent);
  EXPECT_DOUBLE_EQ(*got->rows[1].memory_percent, 12.5);

  // Its own message comes back from Redis: ignored.
  collecting.accept(live_message("node-a", round_at(9000)));
  EXPECT_EQ(collecting.latest()->at_ms, 2000);
  // An older round arriving late does not replace a newer one.
  other.accept(live_message("node-a", round_at(1000)));
  EXPECT_EQ(other.latest()->at_ms, 2000);
  for (const auto* junk :
       {"", "[]", "{}", "{\"node\":\"x\",\"at\":\"soon\",\"rows\":[]}", "{\"at\":1"}) {
    other.accept(junk);
  }
  EXPECT_EQ(other.latest()->at_ms, 2000);
}

}  // namespace
}  // namespace dokkerr::monitoring
