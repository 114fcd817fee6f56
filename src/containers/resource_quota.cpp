#include "containers/resource_quota.hpp"

#include "containers/engine_call.hpp"
#include "core/error.hpp"
#include "policy/policy.hpp"

#include <algorithm>
#include <limits>

namespace dokkerr::containers {
namespace {

constexpr std::int64_t kNanosPerCpu = 1'000'000'000;
constexpr std::int64_t kDefaultCpuPeriod = 100'000;  // microseconds, the engine's default
constexpr std::int64_t kSaturated = std::numeric_limits<std::int64_t>::max() / 4;

std::int64_t number(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_int64()) return std::max<std::int64_t>(value->as_int64(), 0);
  if (value->is_uint64()) {
    return static_cast<std::int64_t>(
        std::min<std::uint64_t>(value->as_uint64(), static_cast<std::uint64_t>(kSaturated)));
  }
  return 0;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  return a > kSaturated - b ? kSaturated : a + b;
}

std::int64_t nano_cpus_of_quota(std::int64_t quota, std::int64_t period) {
  if (period <= 0) period = kDefaultCpuPeriod;
  const auto whole = quota / period;
  if (whole >= kSaturated / kNanosPerCpu) return kSaturated;
  // The remainder is below the period (at most 1 s = 10^6 µs), so this cannot overflow.
  return whole * kNanosPerCpu + (quota % period) * kNanosPerCpu / period;
}

Error over_quota(std::string_view key, std::string_view what, std::int64_t others,
                 std::int64_t wanted, std::int64_t limit) {
  return Error(ErrorKind::forbidden, "quota_exceeded",
               "The team's other containers here reserve " + std::to_string(others) + " " +
                   std::string(what) + ", this one asks for " + std::to_string(wanted) +
                   ", its quota (" + std::string(key) + ") is " + std::to_string(limit) + ".");
}

Error needs_limit(std::string_view key, std::string_view field) {
  return Error(ErrorKind::forbidden, "quota_exceeded",
               "The team's quota (" + std::string(key) + ") needs every container to set " +
                   std::string(field) + ".");
}

}  // namespace

Reservation& Reservation::operator+=(const Reservation& other) {
  memory_bytes = saturating_add(memory_bytes, other.memory_bytes);
  nano_cpus = saturating_add(nano_cpus, other.nano_cpus);
  memory_unlimited = memory_unlimited || other.memory_unlimited;
  cpu_unlimited = cpu_unlimited || other.cpu_unlimited;
  return *this;
}

Reservation reservation_of(const boost::json::object& host_config) {
  Reservation reserved;
  reserved.memory_bytes = number(host_config, "Memory");
  reserved.memory_unlimited = reserved.memory_bytes <= 0;
  reserved.nano_cpus = number(host_config, "NanoCpus");
  if (reserved.nano_cpus <= 0) {
    const auto quota = number(host_config, "CpuQuota");
    if (quota > 0) reserved.nano_cpus = nano_cpus_of_quota(quota, number(host_config, "CpuPeriod"));
  }
  reserved.cpu_unlimited = reserved.nano_cpus <= 0;
  return reserved;
}

void apply_update(boost::json::object& host_config, const boost::json::object& update) {
  for (const std::string_view key : {"Memory", "NanoCpus", "CpuQuota", "CpuPeriod"}) {
    if (const auto* value = update.if_contains(key)) host_config[key] = *value;
  }
}

bool has_resource_quota(const policy::Policy& policy) {
  return policy.max_total_memory_bytes > 0 || policy.max_total_nano_cpus > 0;
}

void check_reservation(const policy::Policy& policy, const Reservation& others,
                       const Reservation& wanted) {
  if (const auto limit = policy.max_total_memory_bytes; limit > 0) {
    if (wanted.memory_unlimited) throw needs_limit("max_total_memory_bytes", "HostConfig.Memory");
    if (saturating_add(others.memory_bytes, wanted.memory_bytes) > limit) {
      throw over_quota("max_total_memory_bytes", "bytes of memory", others.memory_bytes,
                       wanted.memory_bytes, limit);
    }
  }
  if (const auto limit = policy.max_total_nano_cpus; limit > 0) {
    if (wanted.cpu_unlimited) {
      throw needs_limit("max_total_nano_cpus", "HostConfig.NanoCpus (or CpuQuota)");
    }
    if (saturating_add(others.nano_cpus, wanted.nano_cpus) > limit) {
      throw over_quota("max_total_nano_cpus", "nano-CPUs", others.nano_cpus, wanted.nano_cpus,
                       limit);
    }
  }
}

boost::asio::awaitable<Reservation> reserved_by(Engine& engine, std::vector<std::string> ids) {
  Reservation total;
  for (const auto& id : ids) {
    boost::json::value inspected;
    try {
      inspected =
          co_await call_json(engine, docker::Verb::get,
                             object_path("containers", id, "container") + "/json", "container");
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::not_found) throw;
      continue;
    }
    const auto* object = inspected.if_object();
    const auto* host = object != nullptr ? object->if_contains("HostConfig") : nullptr;
    // Containers made before the quota may have no limit: they count for what they set.
    if (host != nullptr && host->is_object()) {
      auto reserved = reservation_of(host->as_object());
      reserved.memory_unlimited = reserved.cpu_unlimited = false;
      total += reserved;
    }
  }
  co_return total;
}

}  // namespace dokkerr::containers
