#pragma once
// Timestamps as stored and served: RFC 3339 in UTC with milliseconds ("2026-11-25T23:33:12.123Z").
// The fixed width makes string order equal to time order, which the database relies on.
#include <chrono>
#include <string>

namespace dokkerr {

// Truncates to milliseconds (never rounds up, so a stamp is never in the future).
[[nodiscard]] std::string format_rfc3339(std::chrono::system_clock::time_point tp);
[[nodiscard]] std::string now_rfc3339();

}  // namespace dokkerr
