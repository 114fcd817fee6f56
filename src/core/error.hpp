#pragma once
// Errors are classified once, by meaning; src/http/problem.cpp maps the class to HTTP in one place.
#include <stdexcept>
#include <string>
#include <string_view>

namespace dokkerr {

enum class ErrorKind {
  invalid,            // 400: the request is malformed or fails validation
  unauthorized,       // 401
  forbidden,          // 403
  not_found,          // 404
  method_not_allowed, // 405
  timeout,            // 408: the client was too slow
  conflict,           // 409
  payload_too_large,  // 413
  unprocessable,      // 422: well-formed, but at odds with what was sent before (a reused key)
  unsupported_media,  // 415
  headers_too_large,  // 431
  rate_limited,       // 429
  upgrade_required,   // 426: a WebSocket-only route was called without the upgrade
  unavailable,        // 503: a backend (engine, database) cannot be reached
  bad_gateway,        // 502: a backend answered something we cannot use
  internal,           // 500
};

// An error meant for a client. `detail` is safe to show; `internal` only goes to the log.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string code, std::string detail, std::string internal = {});

  [[nodiscard]] ErrorKind kind() const noexcept { return kind_; }
  [[nodiscard]] const std::string& code() const noexcept { return code_; }
  [[nodiscard]] const std::string& detail() const noexcept { return detail_; }
  [[nodiscard]] const std::string& internal() const noexcept { return internal_; }

  static Error invalid(std::string code, std::string detail) {
    return {ErrorKind::invalid, std::move(code), std::move(detail)};
  }
  static Error not_found(std::string code, std::string detail) {
    return {ErrorKind::not_found, std::move(code), std::move(detail)};
  }
  static Error conflict(std::string code, std::string detail) {
    return {ErrorKind::conflict, std::move(code), std::move(detail)};
  }
  static Error unavailable(std::string code, std::string detail, std::string internal = {}) {
    return {ErrorKind::unavailable, std::move(code), std::move(detail), std::move(internal)};
  }
  static Error internal_error(std::string internal) {
    return {ErrorKind::internal, "internal", "An internal error occurred.", std::move(internal)};
  }

 private:
  ErrorKind kind_;
  std::string code_;
  std::string detail_;
  std::string internal_;
};

[[nodiscard]] unsigned http_status(ErrorKind kind) noexcept;
[[nodiscard]] std::string_view title(ErrorKind kind) noexcept;

}  // namespace dokkerr
