#include "http/request_metrics.hpp"

#include <gtest/gtest.h>

namespace dokkerr::http {
namespace {

using namespace std::chrono_literals;

TEST(RequestMetrics, QuantilesInterpolateWithinTheirBucket) {
  RequestMetrics::Latency latency;
  // 100 requests: 50 in (0, 1 ms], 40 in (1, 2.5 ms], 10 in (5, 10 ms].
  latency.buckets[0] = 50;
  latency.buckets[1] = 40;
  latency.buckets[3] = 10;
  latency.count = 100;
  EXPECT_NEAR(RequestMetrics::quantile(latency, 0.5), 0.001, 1e-12);
  EXPECT_NEAR(RequestMetrics::quantile(latency, 0.25), 0.0005, 1e-12);
  EXPECT_NEAR(RequestMetrics::quantile(latency, 0.9), 0.0025, 1e-12);
  EXPECT_NEAR(RequestMetrics::quantile(latency, 0.99), 0.0095, 1e-12);
  EXPECT_EQ(RequestMetrics::quantile(RequestMetrics::Latency{}, 0.5), 0);
  // Beyond the last bound: the last bound.
  RequestMetrics::Latency slow;
  slow.count = 3;
  EXPECT_EQ(RequestMetrics::quantile(slow, 0.5), RequestMetrics::kBuckets.back());
}

TEST(RequestMetrics, ServerErrorsAreCountedAndTheNewestKeptWithTheirRequestIds) {
  RequestMetrics metrics;
  metrics.record("/a", "GET", 200, "", 1ms, "r0");
  metrics.record("/a", "GET", 404, "not_found", 1ms, "r1");
  metrics.record("/a", "GET", 503, "engine_unavailable", 1ms, "r2");
  metrics.record("", "POST", 500, "", 1ms, "r3");
  const auto recent = metrics.recent_errors();
  ASSERT_EQ(recent.size(), 2U);
  EXPECT_EQ(recent[0].request_id, "r3");
  EXPECT_EQ(recent[0].route, "unmatched");
  EXPECT_EQ(recent[0].code, "none");
  EXPECT_EQ(recent[1].request_id, "r2");
  EXPECT_EQ(recent[1].status, 503U);
  EXPECT_GT(recent[1].at_ms, 0);
  const auto snapshot = metrics.snapshot();
  ASSERT_EQ(snapshot.server_errors.size(), 2U);

  for (int i = 0; i < 500; ++i) metrics.record("/b", "GET", 502, "engine_error", 1ms, "x");
  EXPECT_EQ(metrics.recent_errors().size(), RequestMetrics::kRecentErrors);
}

}  // namespace
}  // namespace dokkerr::http
