#pragma once
// Strict parsing for JSON that a second reader may read differently: request bodies the engine
// decodes with Go's encoding/json (which keeps the last of two equal keys) and the header and
// claims of a JWT. Boost.JSON's ordinary parser keeps one of two equal keys silently, so a
// checker reading one value while the other side applies the other could be bypassed. This
// parser refuses any repeated key, in every object at every depth, before anyone looks at the
// values.
#include <boost/json/value.hpp>

#include <cstddef>
#include <string_view>

namespace dokkerr::json {

// Deep enough for every Docker request body (the deepest, a volume mount's driver options, sits
// at depth 7); shallow enough that hostile nesting cannot exhaust the stack of a recursive walk.
inline constexpr std::size_t kMaxDepth = 32;

// Any JSON value (standard JSON only: no comments, no trailing commas). Errors: invalid
// "invalid_json" (syntax, trailing bytes, nesting deeper than max_depth), invalid
// "duplicate_key" naming the path of the repeated key.
boost::json::value parse_strict(std::string_view text, std::size_t max_depth = kMaxDepth);

}  // namespace dokkerr::json
