#pragma once
// Turns the database's "unique_violation" into the conflict a client can act on. Shared by the
// SQL stores of this folder (a candidate for src/store/ once another domain needs it).
#include "core/error.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace dokkerr::users {

template <typename Fn>
void translate_unique_violation(Fn&& fn, std::string_view code, std::string_view detail) {
  try {
    std::forward<Fn>(fn)();
  } catch (const Error& error) {
    if (error.code() != "unique_violation") throw;
    throw Error(ErrorKind::conflict, std::string(code), std::string(detail), error.internal());
  }
}

}  // namespace dokkerr::users
