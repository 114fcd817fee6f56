#include "audit/audit_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "unit/store/test_databases.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace dokkerr::audit {
namespace {

namespace asio = boost::asio;
using store::testing::BackendTest;

template <typename T>
T run(asio::awaitable<T> work) {
  asio::io_context io;
  auto result = asio::co_spawn(io, std::move(work), asio::use_future);
  io.run();
  return result.get();
}

class AuditServiceTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    log_ = std::make_unique<AuditLog>(db(), clock_);
    service_ = std::make_unique<AuditService>(*log_, pool_);
  }
  void TearDown() override {
    service_.reset();
    log_.reset();
    BackendTest::TearDown();
  }
  void append(std::string action, std::string detail = "{}") {
    AuditEvent event;
    event.actor_type = "user";
    event.actor_id = "u-1";
    event.action = std::move(action);
    event.result = "success";
    event.detail_json = std::move(detail);
    clock_.advance(std::chrono::seconds(1));
    log_->append(event);
  }

  ManualClock clock_;
  BlockingPool pool_{1};
  std::unique_ptr<AuditLog> log_;
  std::unique_ptr<AuditService> service_;
};

TEST_P(AuditServiceTest, ListsNewestFirstWithAFilterAndACursor) {
  for (int i = 0; i < 5; ++i) append(i % 2 == 0 ? "containers.start" : "users.create");
  auto first = run(service_->list({.action = "containers.*"}, 2, ""));
  ASSERT_EQ(first.items.size(), 2U);
  EXPECT_EQ(first.items[0].seq, 5);
  EXPECT_EQ(first.items[1].seq, 3);
  ASSERT_TRUE(first.next_cursor);
  const auto rest = run(service_->list({.action = "containers.*"}, 2, *first.next_cursor));
  ASSERT_EQ(rest.items.size(), 1U);
  EXPECT_EQ(rest.items[0].seq, 1);
  EXPECT_FALSE(rest.next_cursor);
}

TEST_P(AuditServiceTest, ExportsOldestFirstOneLinePerEntry) {
  append("a.one");
  append("a.two");
  const auto text = run(service_->export_jsonl({}));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_LT(text.find("a.one"), text.find("a.two"));
}

TEST_P(AuditServiceTest, AnExportPastItsBoundIsRefusedWithAClearCode) {
  // 8 KiB details: the bound is reached after some 8 000 entries; bulk-append them in one go.
  const std::string big = R"({"x":")" + std::string(8000, 'y') + R"("})";
  db().transaction([&](store::Database&) {
    for (std::size_t i = 0; i < kMaxExportBytes / 8000 + 1; ++i) append("big.entry", big);
  });
  try {
    (void)run(service_->export_jsonl({}));
    FAIL() << "an oversized export was assembled";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "export_too_large");
    EXPECT_EQ(error.kind(), ErrorKind::invalid);
  }
}

TEST_P(AuditServiceTest, VerifiesTheChainAndNamesItsHead) {
  append("a.one");
  append("a.two");
  const auto chain = run(service_->verify(std::nullopt));
  EXPECT_TRUE(chain.report.ok);
  EXPECT_EQ(chain.report.entries, 2);
  EXPECT_EQ(chain.head.substr(0, 2), "2:");
  const auto anchored = run(service_->verify(chain.head));
  EXPECT_TRUE(anchored.report.ok);
  db().execute("UPDATE audit_log SET action = 'a.forged' WHERE seq = 1");
  const auto broken = run(service_->verify(chain.head));
  EXPECT_FALSE(broken.report.ok);
  EXPECT_EQ(broken.report.first_bad_seq, std::optional<std::int64_t>(1));
}

DOKKERR_INSTANTIATE_BACKENDS(AuditServiceTest);

}  // namespace
}  // namespace dokkerr::audit
