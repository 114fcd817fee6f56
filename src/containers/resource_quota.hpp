#pragma once
// A team's memory and CPU quota on one environment: the sum of the limits its containers set.
// Docker reserves nothing up front, so a limit is the most a container can take; the quota
// bounds the sum of those, counting containers in every state (a stopped one can start).
//
// The engine's container list does not carry limits, so checking reads each of the team's
// containers (one inspect each); creates and updates are rare next to reads, and the check runs
// only while the team has such a quota.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::policy {
struct Policy;
}

namespace dokkerr::containers {

class Engine;

struct Reservation {
  std::int64_t memory_bytes = 0;
  std::int64_t nano_cpus = 0;
  bool memory_unlimited = false;  // no HostConfig.Memory
  bool cpu_unlimited = false;     // neither NanoCpus nor CpuQuota
  Reservation& operator+=(const Reservation& other);
};

// What a container with this HostConfig (or a create's HostConfig) reserves. CpuQuota counts as
// CpuQuota/CpuPeriod CPUs (the engine's default period is 100 ms).
Reservation reservation_of(const boost::json::object& host_config);
// The HostConfig a container would have after POST /containers/{id}/update with `update`.
void apply_update(boost::json::object& host_config, const boost::json::object& update);
[[nodiscard]] bool has_resource_quota(const policy::Policy& policy);
// 403 quota_exceeded naming the limit when `wanted` (one container) on top of `others` (the
// rest of the team's) passes it, or when `wanted` sets no limit the quota needs.
void check_reservation(const policy::Policy& policy, const Reservation& others,
                       const Reservation& wanted);
// The sum of what these containers reserve, read from the engine; a container removed meanwhile
// counts for nothing.
boost::asio::awaitable<Reservation> reserved_by(Engine& engine, std::vector<std::string> ids);

}  // namespace dokkerr::containers
