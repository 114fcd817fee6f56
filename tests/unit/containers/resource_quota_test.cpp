#include "containers/resource_quota.hpp"

#include "core/error.hpp"
#include "core/json.hpp"
#include "policy/policy.hpp"

#include <gtest/gtest.h>

namespace dokkerr::containers {
namespace {

constexpr std::int64_t kMiB = 1024 * 1024;
constexpr std::int64_t kCpu = 1'000'000'000;

Reservation of(std::string_view host_config) {
  return reservation_of(json::parse_object(host_config));
}

std::string refusal(const policy::Policy& policy, const Reservation& others,
                    const Reservation& wanted) {
  try {
    check_reservation(policy, others, wanted);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::forbidden);
    return std::string(error.code()) + ": " + error.what();
  }
  return "allowed";
}

TEST(ReservationOf, ReadsMemoryAndEitherFormOfCpuLimit) {
  const auto none = of("{}");
  EXPECT_TRUE(none.memory_unlimited);
  EXPECT_TRUE(none.cpu_unlimited);

  const auto nano = of(R"({"Memory":67108864,"NanoCpus":1500000000})");
  EXPECT_EQ(nano.memory_bytes, 64 * kMiB);
  EXPECT_EQ(nano.nano_cpus, 1'500'000'000);
  EXPECT_FALSE(nano.memory_unlimited || nano.cpu_unlimited);

  EXPECT_EQ(of(R"({"CpuQuota":50000,"CpuPeriod":100000})").nano_cpus, kCpu / 2);
  EXPECT_EQ(of(R"({"CpuQuota":250000})").nano_cpus, 2 * kCpu + kCpu / 2) << "default period";
  EXPECT_EQ(of(R"({"CpuQuota":-1,"Memory":-5})").cpu_unlimited, true) << "negative is none";
  EXPECT_TRUE(of(R"({"Memory":-5})").memory_unlimited);
  // Absurd values saturate instead of wrapping into a small (or negative) total.
  auto huge = of(R"({"Memory":18446744073709551615,"CpuQuota":9223372036854775807,"CpuPeriod":1})");
  EXPECT_GT(huge.memory_bytes, std::int64_t{1} << 60);
  EXPECT_GT(huge.nano_cpus, std::int64_t{1} << 60);
  huge += huge;
  EXPECT_GT(huge.memory_bytes, std::int64_t{1} << 60);
}

TEST(ApplyUpdate, OverlaysOnlyTheLimitsTheUpdateNames) {
  auto host = json::parse_object(R"({"Memory":1,"NanoCpus":2,"Privileged":false})");
  apply_update(host, json::parse_object(R"({"Memory":5,"CpuShares":7})"));
  EXPECT_EQ(host.at("Memory").as_int64(), 5);
  EXPECT_EQ(host.at("NanoCpus").as_int64(), 2);
  EXPECT_FALSE(host.contains("CpuShares"));
}

TEST(CheckReservation, NamesTheLimitThatIsPassedOrUnset) {
  policy::Policy policy;
  EXPECT_FALSE(has_resource_quota(policy));
  EXPECT_EQ(refusal(policy, {}, of("{}")), "allowed") << "no quota, no limit needed";

  policy.max_total_memory_bytes = 96 * kMiB;
  policy.max_total_nano_cpus = kCpu + kCpu / 2;
  EXPECT_TRUE(has_resource_quota(policy));
  const auto others = of(R"({"Memory":67108864,"NanoCpus":1000000000})");

  auto text = refusal(policy, others, of(R"({"NanoCpus":1})"));
  EXPECT_NE(text.find("quota_exceeded"), std::string::npos) << text;
  EXPECT_NE(text.find("max_total_memory_bytes"), std::string::npos) << text;
  text = refusal(policy, others, of(R"({"Memory":1})"));
  EXPECT_NE(text.find("max_total_nano_cpus"), std::string::npos) << text;

  EXPECT_EQ(refusal(policy, others, of(R"({"Memory":33554432,"NanoCpus":500000000})")), "allowed")
      << "exactly at both limits";
  text = refusal(policy, others, of(R"({"Memory":33554433,"NanoCpus":1})"));
  EXPECT_NE(text.find("max_total_memory_bytes"), std::string::npos) << text;
  text = refusal(policy, others, of(R"({"Memory":1,"CpuQuota":60000,"CpuPeriod":100000})"));
  EXPECT_NE(text.find("max_total_nano_cpus"), std::string::npos) << text;
}

}  // namespace
}  // namespace dokkerr::containers
