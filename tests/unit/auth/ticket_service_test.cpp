#include "auth/ticket_service.hpp"

#include "unit/auth/service_fixture.hpp"

#include <gtest/gtest.h>

namespace dokkerr::auth {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kPath = "/api/v1/environments/local/events";

class TicketServiceTest : public testing::AuthTest {
 protected:
  std::shared_ptr<Principal> caller(std::string session, std::string key = "") {
    auto principal = std::make_shared<Principal>();
    principal->user_id = "u1";
    principal->session_id = std::move(session);
    principal->api_key_id = std::move(key);
    return principal;
  }
};

TEST_F(TicketServiceTest, ATicketWorksOnceForWhoItWasIssuedTo) {
  const auto ticket = run(tickets.issue(caller("s1"), std::string(kPath)));
  EXPECT_TRUE(ticket.value.starts_with("dkw_"));
  EXPECT_EQ(ticket.expires_in, 30);
  const auto subject = tickets.redeem(ticket.value, kPath);
  ASSERT_TRUE(subject);
  EXPECT_EQ(subject->user_id, "u1");
  EXPECT_EQ(subject->session_id, "s1");
  EXPECT_EQ(subject->api_key_id, "");
  EXPECT_FALSE(tickets.redeem(ticket.value, kPath)) << "single use";

  const auto for_key = run(tickets.issue(caller("", "k1"), std::string(kPath)));
  EXPECT_EQ(tickets.redeem(for_key.value, kPath)->api_key_id, "k1")
      << "a key's ticket stands for it";
}

TEST_F(TicketServiceTest, TicketsExpireAfterThirtySeconds) {
  const auto early = run(tickets.issue(caller("s1"), std::string(kPath)));
  const auto late = run(tickets.issue(caller("s1"), std::string(kPath)));
  clock.advance(29s);
  EXPECT_TRUE(tickets.redeem(early.value, kPath));
  clock.advance(1s);
  EXPECT_FALSE(tickets.redeem(late.value, kPath));
}

TEST_F(TicketServiceTest, ATicketIsForOnePathOnly) {
  const auto ticket = run(tickets.issue(caller("s1"), std::string(kPath)));
  EXPECT_FALSE(tickets.redeem(ticket.value, "/api/v1/environments/local/containers/c1/exec"));
  EXPECT_FALSE(tickets.redeem(ticket.value, kPath)) << "the wrong try used it up";
  EXPECT_FALSE(tickets.redeem(run(tickets.issue(caller("s1"), std::string(kPath))).value,
                              std::string(kPath) + "/"));
}

TEST_F(TicketServiceTest, ForeignValuesAreNotLookedUp) {
  EXPECT_FALSE(tickets.redeem("dkr_refresh-token", kPath));
  EXPECT_FALSE(tickets.redeem("dkw_" + std::string(200, 'x'), kPath));
  EXPECT_FALSE(tickets.redeem("", kPath));
}

}  // namespace
}  // namespace dokkerr::auth
