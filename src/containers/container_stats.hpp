#pragma once
// A container's engine stats document reduced to the figures people watch, as the docker CLI
// computes them: CPU as a percentage of one core (×100 per core in use), memory without the
// inactive page cache, network and block I/O totals, pids.
#include <boost/json/object.hpp>

namespace dokkerr::containers {

// {"cpu_percent" (null until the engine has two readings), "memory_bytes", "memory_limit_bytes",
// "network_rx_bytes", "network_tx_bytes", "block_read_bytes", "block_write_bytes", "pids",
// "read"}; a field the document lacks is null (totals 0).
boost::json::object compact_stats(const boost::json::object& stats);

}  // namespace dokkerr::containers
