#pragma once
// The engine's stats document (GET /containers/{id}/stats) as counters, for engines whose
// containers' cgroups are not on this host, and counters back as an engine stats document, so
// that GET …/containers/{id}/stats can answer from the collector in the engine's own shape.
#include "monitoring/cgroup_reader.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace dokkerr::monitoring {

// A sample's time as the engine writes "read" (RFC 3339, UTC, nanosecond digits).
std::string rfc3339(std::int64_t at_ms);

// Missing or malformed fields stay 0.
CounterSample counters_from_engine_stats(const boost::json::object& stats, std::int64_t at_ms);

struct HostFacts {
  unsigned online_cpus = 1;
  std::uint64_t memory_bytes = 0;  // what the engine reports as the limit of an unlimited one
};

// The engine's shape from two consecutive samples (`previous` as precpu_stats; nullopt for the
// first). System CPU usage is derived from the wall clock, so that the CLI's formula (cpu delta
// / system delta × online CPUs) gives the same percentage the collector computes.
boost::json::object engine_stats_document(const CounterSample& current,
                                          const std::optional<CounterSample>& previous,
                                          const HostFacts& host);

}  // namespace dokkerr::monitoring
