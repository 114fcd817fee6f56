#pragma once
// What a parser, a store or a rule refuses with, for tests that try many hostile inputs.
#include "core/error.hpp"
#include "unit/oidc/test_support.hpp"

#include <string>
#include <utility>

namespace dokkerr::users::testing {

using oidc::testing::error_of;

// The code of the Error fn throws; "accepted" when it throws none.
template <class Fn>
std::string refusal(Fn&& fn) {
  const auto error = error_of(std::forward<Fn>(fn));
  return error ? error->code() : "accepted";
}

}  // namespace dokkerr::users::testing
