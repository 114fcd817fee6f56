#include "containers/container_model.hpp"

#include "core/error.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <algorithm>

namespace dokkerr::containers {
namespace {

boost::json::object summary(const std::string& id, const std::string& name,
                            const std::string& state, std::int64_t created,
                            const std::string& labels = "{}") {
  return boost::json::parse(R"({"Id":")" + id + R"(","Names":["/)" + name + R"("],"State":")" +
                            state + R"(","Created":)" + std::to_string(created) +
                            R"(,"Image":"busybox:latest","ImageID":"sha256:1","Labels":)" + labels +
                            "}")
      .as_object();
}

std::vector<std::string> ids_of(const ContainerPage& page) {
  std::vector<std::string> ids;
  for (const auto& item : page.items) {
    ids.emplace_back(boost::json::parse(item).as_object().at("Id").as_string());
  }
  return ids;
}

ContainerFilter all() {
  ContainerFilter filter;
  filter.all = true;
  return filter;
}

TEST(ContainerModel, ListsNewestFirstWithOurKey) {
  ContainerModel model("local");
  model.replace_all({summary("aaa", "one", "running", 10), summary("bbb", "two", "exited", 20)},
                    model.take_ticket());
  const auto page = model.list(all(), 100, "");
  EXPECT_EQ(ids_of(page), (std::vector<std::string>{"bbb", "aaa"}));
  EXPECT_EQ(boost::json::parse(page.items[0]).at("Dokkerr").at("environment").as_string(), "local");
  EXPECT_FALSE(page.next_cursor.has_value());
}

TEST(ContainerModel, NamesItsRunningContainersWithTheirTeams) {
  ContainerModel model("local");
  model.replace_all({summary("aaa", "one", "running", 10, R"({"io.dokkerr.team":"t1"})"),
                     summary("bbb", "two", "exited", 20, R"({"io.dokkerr.team":"t1"})"),
                     summary("ccc", "three", "running", 30)},
                    model.take_ticket());
  auto running = model.running();
  std::sort(running.begin(), running.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  ASSERT_EQ(running.size(), 2U);
  EXPECT_EQ(running[0].id, "aaa");
  EXPECT_EQ(running[0].name, "one");
  EXPECT_EQ(running[0].team, "t1");
  EXPECT_EQ(running[1].team, "");
  EXPECT_EQ(running[0].health, "");
}

TEST(ContainerModel, ReadsAHealthChecksVerdictFromTheStatus) {
  ContainerModel model("local");
  auto sick = summary("aaa", "one", "running", 10);
  sick["Status"] = "Up 2 minutes (unhealthy)";
  auto starting = summary("bbb", "two", "running", 20);
  starting["Status"] = "Up 1 second (health: starting)";
  model.replace_all({sick, starting}, model.take_ticket());
  auto running = model.running();
  std::sort(running.begin(), running.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  ASSERT_EQ(running.size(), 2U);
  EXPECT_EQ(running[0].health, "unhealthy");
  EXPECT_EQ(running[1].health, "starting");
  sick["Status"] = "Up 3 minutes (healthy)";
  model.upsert(sick, model.take_ticket());
  running = model.running();
  std::sort(running.begin(), running.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  EXPECT_EQ(running[0].health, "healthy");
}

TEST(ContainerModel, FiltersLikeTheEngine) {
  ContainerModel model("local");
  model.replace_all({summary("aaa", "web-1", "running", 10, R"({"tier":"web"})"),
                     summary("bbb", "db-1", "exited", 20, R"({"tier":"db","keep":""})"),
                     summary("ccc", "web-2", "paused", 30, R"({"tier":"web"})")},
                    model.take_ticket());
  EXPECT_EQ(ids_of(model.list({}, 100, "")), (std::vector<std::string>{"aaa"}));  // running only
  ContainerFilter status;
  status.status = {"exited"};
  EXPECT_EQ(ids_of(model.list(status, 100, "")), (std::vector<std::string>{"bbb"}));
  auto by_name = all();
  by_name.names = {"web"};
  EXPECT_EQ(ids_of(model.list(by_name, 100, "")), (std::vector<std::string>{"ccc", "aaa"}));
  auto by_label = all();
  by_label.labels = {"tier=web"};
  EXPECT_EQ(ids_of(model.list(by_label, 100, "")), (std::vector<std::string>{"ccc", "aaa"}));
  by_label.labels = {"keep"};
  EXPECT_EQ(ids_of(model.list(by_label, 100, "")), (std::vector<std::string>{"bbb"}));
  by_label.labels = {"tier=web", "keep"};  // every label filter must hold
  EXPECT_TRUE(model.list(by_label, 100, "").items.empty());
  auto by_image = all();
  by_image.images = {"busybox"};
  EXPECT_EQ(model.list(by_image, 100, "").items.size(), 3U);
}

TEST(ContainerModel, PagesWithCursor) {
  ContainerModel model("local");
  std::vector<boost::json::object> many;
  for (int i = 0; i < 5; ++i)
    many.push_back(summary("id" + std::to_string(i), "n" + std::to_string(i), "running", i));
  model.replace_all(many, model.take_ticket());
  auto first = model.list(all(), 2, "");
  EXPECT_EQ(ids_of(first), (std::vector<std::string>{"id4", "id3"}));
  ASSERT_TRUE(first.next_cursor);
  auto second = model.list(all(), 2, *first.next_cursor);
  EXPECT_EQ(ids_of(second), (std::vector<std::string>{"id2", "id1"}));
  auto third = model.list(all(), 2, *second.next_cursor);
  EXPECT_EQ(ids_of(third), (std::vector<std::string>{"id0"}));
  EXPECT_FALSE(third.next_cursor);
  EXPECT_THROW((void)model.list(all(), 2, "garbage"), Error);
}

TEST(ContainerModel, StaleRefreshNeverOverwritesNewerState) {
  ContainerModel model("local");
  const auto old_ticket = model.take_ticket();
  const auto new_ticket = model.take_ticket();
  model.upsert(summary("aaa", "x", "running", 1), new_ticket);
  model.upsert(summary("aaa", "x", "exited", 1), old_ticket);  // answer to an older question
  EXPECT_EQ(ids_of(model.list({}, 10, "")), (std::vector<std::string>{"aaa"}));
}

TEST(ContainerModel, RemovalIsNotUndoneByAStaleRefreshOrResync) {
  ContainerModel model("local");
  const auto listing_ticket = model.take_ticket();
  model.remove("aaa", model.take_ticket());
  model.upsert(summary("aaa", "x", "running", 1), listing_ticket);
  EXPECT_EQ(model.size(), 0U);
  model.replace_all({summary("aaa", "x", "running", 1)}, listing_ticket);
  EXPECT_EQ(model.size(), 0U);
  // A resync taken after the removal is the truth again.
  model.replace_all({summary("aaa", "x", "running", 1)}, model.take_ticket());
  EXPECT_EQ(model.size(), 1U);
}

TEST(ContainerModel, ResyncKeepsChangesMadeWhileItWasInFlight) {
  ContainerModel model("local");
  const auto resync_ticket = model.take_ticket();
  model.upsert(summary("new", "created-during-resync", "created", 5), model.take_ticket());
  model.replace_all({summary("old", "o", "running", 1)}, resync_ticket);
  EXPECT_EQ(model.size(), 2U);
  EXPECT_TRUE(model.resolve("new").has_value());
}

TEST(ContainerModel, ResolvesIdPrefixAndName) {
  ContainerModel model("local");
  model.replace_all({summary("abc123", "web", "running", 1), summary("abd456", "db", "running", 2)},
                    model.take_ticket());
  EXPECT_EQ(model.resolve("abc123"), "abc123");
  EXPECT_EQ(model.resolve("abc"), "abc123");
  EXPECT_EQ(model.resolve("db"), "abd456");
  EXPECT_EQ(model.resolve("ab"), std::nullopt);  // ambiguous
  EXPECT_EQ(model.resolve("zzz"), std::nullopt);
}

TEST(ContainerModel, CountsAndClear) {
  ContainerModel model("local");
  model.replace_all({summary("a", "a", "running", 1), summary("b", "b", "paused", 2),
                     summary("c", "c", "exited", 3), summary("d", "d", "created", 4)},
                    model.take_ticket());
  const auto counts = model.counts();
  EXPECT_EQ(counts.total, 4U);
  EXPECT_EQ(counts.running, 1U);
  EXPECT_EQ(counts.paused, 1U);
  EXPECT_EQ(counts.stopped, 2U);
  model.clear();
  EXPECT_EQ(model.size(), 0U);
}

}  // namespace
}  // namespace dokkerr::containers
