#include "auth/ticket_store.hpp"
#include "unit/auth/sql_fixture.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace dokkerr::auth {
namespace {

using namespace std::chrono_literals;

class SqlTicketStoreTest : public testing::SqlAuthTest {
 protected:
  void SetUp() override {
    SqlAuthTest::SetUp();
    if (IsSkipped()) return;
    store_ = make_sql_ticket_store(db(), clock);
  }
  void TearDown() override {
    store_.reset();
    SqlAuthTest::TearDown();
  }
  TicketStore& tickets() { return *store_; }

 private:
  std::unique_ptr<TicketStore> store_;
};

TEST_P(SqlTicketStoreTest, RedeemsOnceForItsSubject) {
  tickets().insert("h1", TicketSubject{"u1", "s1", "", "/api/v1/p"}, clock.stamp_in(30s));
  tickets().insert("h2", TicketSubject{"u2", "", "k2", "/api/v1/p"}, clock.stamp_in(30s));
  const auto first = tickets().redeem("h1");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->user_id, "u1");
  EXPECT_EQ(first->session_id, "s1");
  EXPECT_EQ(first->api_key_id, "");
  EXPECT_EQ(first->path, "/api/v1/p");
  EXPECT_FALSE(tickets().redeem("h1")) << "single use";
  const auto key = tickets().redeem("h2");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->api_key_id, "k2");
  EXPECT_FALSE(tickets().redeem("unknown"));
}

TEST_P(SqlTicketStoreTest, ExpiredTicketsAreRefusedAndSweptByTheNextInsert) {
  tickets().insert("h1", TicketSubject{"u1", "s1", "", "/api/v1/p"}, clock.stamp_in(30s));
  tickets().insert("h2", TicketSubject{"u1", "s1", "", "/api/v1/p"}, clock.stamp_in(60s));
  clock.advance(30s);
  EXPECT_FALSE(tickets().redeem("h1")) << "at its expiry";
  tickets().insert("h3", TicketSubject{"u1", "s1", "", "/api/v1/p"}, clock.stamp_in(30s));
  EXPECT_EQ(count("SELECT COUNT(*) FROM ws_tickets"), 2);
  EXPECT_TRUE(tickets().redeem("h2"));
}

TEST_P(SqlTicketStoreTest, OfConcurrentRedemptionsExactlyOneWins) {
  tickets().insert("h1", TicketSubject{"u1", "s1", "", "/api/v1/p"}, clock.stamp_in(30s));
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      try {
        if (tickets().redeem("h1")) ++wins;
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::unavailable) << e.code();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wins.load(), 1);
}

DOKKERR_INSTANTIATE_BACKENDS(SqlTicketStoreTest);

}  // namespace
}  // namespace dokkerr::auth
