#include "auth/errors.hpp"

namespace dokkerr::auth {

Error authentication_required(std::string detail) {
  return {ErrorKind::unauthorized, "authentication_required", std::move(detail)};
}

Error session_revoked() {
  return {ErrorKind::unauthorized, "session_revoked", "This session has ended; sign in again."};
}

Error invalid_mfa_code() {
  return {ErrorKind::unauthorized, "invalid_mfa_code", "The two-factor code is wrong or used."};
}

}  // namespace dokkerr::auth
