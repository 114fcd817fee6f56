#include "core/error.hpp"
#include "core/secret_sealer.hpp"
#include "stacks/stack_store.hpp"
#include "unit/store/tag_sealer.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

namespace dokkerr::stacks {
namespace {

using store::testing::TagSealer;

class SqlStackStoreTest : public store::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    store_ = make_sql_stack_store(db(), sealer_);
  }
  void TearDown() override {
    store_.reset();
    BackendTest::TearDown();
  }
  static Stack stack(std::string id, std::string env, std::string name, std::string team) {
    Stack s;
    s.id = std::move(id);
    s.environment = std::move(env);
    s.name = std::move(name);
    s.team_id = std::move(team);
    s.source = {"services: {}\n", {{"PASSWORD", "s3cret"}}, {{"app.env", "K=v\n"}}};
    s.version = 1;
    s.status = "running";
    s.created_by = "u1";
    s.created_at = "2026-12-07T00:00:00.000Z";
    s.updated_at = s.created_at;
    return s;
  }
  TagSealer sealer_;
  std::unique_ptr<StackStore> store_;
};

TEST_P(SqlStackStoreTest, KeepsStacksWithTheirInputsSealed) {
  store_->insert(stack("s1", "local", "shop", "team-a"));
  store_->insert(stack("s2", "local", "blog", "team-b"));
  store_->insert(stack("s3", "edge", "shop", "team-a"));
  const auto found = store_->find("local", "shop");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "s1");
  EXPECT_EQ(found->source.variables.at("PASSWORD"), "s3cret");
  EXPECT_EQ(found->source.env_files.at("app.env"), "K=v\n");
  // The values are not in the row as written.
  const auto raw = db().query("SELECT inputs FROM stacks WHERE id = 's1'").front().text(0);
  EXPECT_TRUE(sealer_.is_sealed(raw));
  EXPECT_EQ(raw.find("s3cret"), std::string::npos);
  // A sealed value moved to another stack's row does not open there.
  db().execute("UPDATE stacks SET inputs = ? WHERE id = 's2'", {raw});
  EXPECT_THROW((void)store_->get("s2"), Error);

  EXPECT_EQ(store_->count("local"), 2U);
  EXPECT_EQ(store_->count("nowhere"), 0U);
  const std::set<std::string, std::less<>> team_a{"team-a"};
  const auto listed = store_->list("local", team_a);
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].name, "shop");
  EXPECT_TRUE(store_->list("local", std::set<std::string, std::less<>>{}).empty());
  try {
    store_->insert(stack("s4", "local", "shop", "team-b"));
    ADD_FAILURE() << "a second stack of one name";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "stack_exists");
  }
}

TEST_P(SqlStackStoreTest, KeepsEveryVersionAndForgetsThemWithTheStack) {
  auto s = stack("s1", "local", "shop", "team-a");
  store_->insert(s);
  store_->add_version(s.id, {1, s.source, "u1", s.created_at});
  s.source.compose = "services:\n  a:\n    image: x\n";
  s.source.variables.clear();
  s.version = 2;
  s.status = "failed";
  s.error = "line 1: …";
  store_->update(s);
  store_->add_version(s.id, {2, s.source, "u2", "2026-12-07T01:00:00.000Z"});
  const auto versions = store_->versions(s.id, 10);
  ASSERT_EQ(versions.size(), 2U);
  EXPECT_EQ(versions[0].version, 2);
  EXPECT_TRUE(versions[0].source.variables.empty());
  EXPECT_EQ(versions[1].source.variables.at("PASSWORD"), "s3cret");
  EXPECT_EQ(store_->versions(s.id, 1).size(), 1U);
  const auto now = store_->get("s1");
  EXPECT_EQ(now->status, "failed");
  EXPECT_EQ(now->error, "line 1: …");
  EXPECT_EQ(now->version, 2);
  store_->remove("s1");
  EXPECT_FALSE(store_->get("s1"));
  EXPECT_TRUE(store_->versions("s1", 10).empty());
}

TEST_P(SqlStackStoreTest, KeepsOneHookPerStackFoundByItsHash) {
  store_->insert(stack("s1", "local", "shop", "team-a"));
  store_->insert(stack("s2", "local", "blog", "team-a"));
  EXPECT_FALSE(store_->hook_of("s1").has_value());
  store_->put_hook(StackHook{"s1", "aa11", "u1", "2026-12-07T00:00:00.000Z", ""});
  store_->put_hook(StackHook{"s1", "bb22", "u2", "2026-12-07T00:00:01.000Z", ""});  // replaces
  EXPECT_FALSE(store_->hook_by_token("aa11").has_value());
  const auto found = store_->hook_by_token("bb22");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->stack_id, "s1");
  EXPECT_EQ(found->created_by, "u2");
  store_->hook_used("s1", "2026-12-07T00:00:02.000Z");
  EXPECT_EQ(store_->hook_of("s1")->last_used_at, "2026-12-07T00:00:02.000Z");
  // Two stacks never share a token.
  EXPECT_THROW(store_->put_hook(StackHook{"s2", "bb22", "u1", "x", ""}), Error);
  EXPECT_TRUE(store_->remove_hook("s1"));
  EXPECT_FALSE(store_->remove_hook("s1"));
  store_->put_hook(StackHook{"s2", "cc33", "u1", "2026-12-07T00:00:03.000Z", ""});
  store_->remove("s2");  // the stack takes its hook with it
  EXPECT_FALSE(store_->hook_by_token("cc33").has_value());
}

DOKKERR_INSTANTIATE_BACKENDS(SqlStackStoreTest);

}  // namespace
}  // namespace dokkerr::stacks
