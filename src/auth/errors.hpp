#pragma once
// The refusals that several parts of sign-in give.
#include "core/error.hpp"

#include <string>

namespace dokkerr::auth {

// 401: no usable credential; the detail says which way it failed.
Error authentication_required(std::string detail = "Sign in, or send an API key.");
// 401: the credential was good, but its session has ended (revoked, expired, signed out).
Error session_revoked();
// 401: a second-factor code that is wrong or was used already.
Error invalid_mfa_code();

}  // namespace dokkerr::auth
