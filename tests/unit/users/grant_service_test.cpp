#include "users/grant_service.hpp"

#include "unit/users/service_fixture.hpp"

#include <gtest/gtest.h>

namespace dokkerr::users {
namespace {

using namespace std::chrono_literals;

class GrantServiceTest : public testing::ServiceTest {
 protected:
  void SetUp() override {
    add_org("o1", "acme");
    add_team("t1", "o1", "dev");
  }
  GrantService service{grants, teams, orgs, clock, pool};
};

TEST_F(GrantServiceTest, GrantsToTeamsAndOrganizationsThatExist) {
  run(service.put("local", NewGrant{"team", "t1"}));
  clock.advance(1s);
  run(service.put("local", NewGrant{"organization", "o1"}));
  const auto listed = run(service.list("local"));
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0].grantee_type, "organization");
  EXPECT_EQ(listed[0].created_at, clock.stamp());
  EXPECT_EQ(listed[1].grantee_id, "t1");
  EXPECT_EQ(failure(service.put("local", NewGrant{"team", "t9"})).code(), "team_not_found");
  EXPECT_EQ(failure(service.put("local", NewGrant{"organization", "t1"})).code(),
            "organization_not_found");
  EXPECT_EQ(failure(service.put("local", NewGrant{"user", "u1"})).code(), "invalid_body");
}

TEST_F(GrantServiceTest, RemovesWhatExists) {
  run(service.put("local", NewGrant{"team", "t1"}));
  EXPECT_EQ(failure(service.remove("local", "organization", "t1")).code(), "grant_not_found");
  run(service.remove("local", "team", "t1"));
  EXPECT_TRUE(run(service.list("local")).empty());
  EXPECT_EQ(failure(service.remove("local", "team", "t1")).code(), "grant_not_found");
}

}  // namespace
}  // namespace dokkerr::users
