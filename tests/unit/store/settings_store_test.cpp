#include "store/settings_store.hpp"

#include "core/clock.hpp"

#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace dokkerr::store {
namespace {

class SettingsStoreTest : public testing::BackendTest {
 protected:
  ManualClock clock;
};

TEST_P(SettingsStoreTest, GetsNothingForAMissingKey) {
  const auto owned = make_sql_settings_store(db(), clock);
  SettingsStore& settings = *owned;
  EXPECT_EQ(settings.get("nope"), std::nullopt);
}

TEST_P(SettingsStoreTest, SetsAndReplaces) {
  const auto owned = make_sql_settings_store(db(), clock);
  SettingsStore& settings = *owned;
  settings.set("theme", "dark");
  EXPECT_EQ(settings.get("theme"), std::optional<std::string>("dark"));
  settings.set("theme", "light");
  EXPECT_EQ(settings.get("theme"), std::optional<std::string>("light"));
  settings.set("empty", "");
  EXPECT_EQ(settings.get("empty"), std::optional<std::string>(""));
  const std::string tricky = "it's \"?\"; --";
  settings.set(tricky, tricky);
  EXPECT_EQ(settings.get(tricky), std::optional<std::string>(tricky));

  const auto rows = db().query("SELECT key, updated_at FROM settings ORDER BY key");
  ASSERT_EQ(rows.size(), 3U);
  for (const auto& row : rows) {
    EXPECT_TRUE(std::regex_match(row.text(1),
                                 std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
  }
}

TEST_P(SettingsStoreTest, ConcurrentWritersOfOneKeyDoNotConflict) {
  const auto owned = make_sql_settings_store(db(), clock);
  SettingsStore& settings = *owned;
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        EXPECT_NO_THROW(settings.set("shared", std::to_string(t)));
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto value = settings.get("shared");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->size(), 1U);
}

DOKKERR_INSTANTIATE_BACKENDS(SettingsStoreTest);

}  // namespace
}  // namespace dokkerr::store
