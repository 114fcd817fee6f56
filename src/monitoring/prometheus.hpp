#pragma once
// GET /metrics in the Prometheus text format (version 0.0.4): the server's own figures (requests
// by route, method and status with latency histograms, refusals, WebSockets, the collector's
// ticks, the process) and every collected container's, labelled environment, team, container
// and name.
#include "http/request_metrics.hpp"
#include "monitoring/collector.hpp"

#include <string>

namespace dokkerr::monitoring {

// A label value as the text format writes it (backslash, double quote and newline escaped).
std::string escape_label(std::string_view value);

std::string prometheus_text(const http::RequestMetrics::Snapshot& requests,
                            const Collector& collector);

}  // namespace dokkerr::monitoring
