#pragma once
// Parsing for bodies the engine decodes with Go's encoding/json. Go keeps the last of two equal
// keys, Boost.JSON's ordinary parser keeps one of them silently: a checker reading one value
// while the engine applies the other would be bypassed. So this parser refuses any repeated key,
// in every object at every depth, before a rule looks at the values.
#include <boost/json/value.hpp>

#include <cstddef>
#include <string_view>

namespace dokkerr::policy::detail {

// Deep enough for every Docker request body (the deepest, a volume mount's driver options, sits
// at depth 7); shallow enough that hostile nesting cannot exhaust the stack of a recursive walk.
inline constexpr std::size_t kMaxDepth = 32;

// Any JSON value. Errors: invalid "invalid_json" (syntax, trailing bytes, nesting deeper than
// kMaxDepth), invalid "duplicate_key" naming the path of the repeated key.
boost::json::value parse_strict(std::string_view text);

}  // namespace dokkerr::policy::detail
