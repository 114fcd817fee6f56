#include "core/error.hpp"

namespace dokkerr {

Error::Error(ErrorKind kind, std::string code, std::string detail, std::string internal)
    : std::runtime_error(detail),
      kind_(kind),
      code_(std::move(code)),
      detail_(std::move(detail)),
      internal_(std::move(internal)) {}

unsigned http_status(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::invalid: return 400;
    case ErrorKind::unauthorized: return 401;
    case ErrorKind::forbidden: return 403;
    case ErrorKind::not_found: return 404;
    case ErrorKind::method_not_allowed: return 405;
    case ErrorKind::timeout: return 408;
    case ErrorKind::conflict: return 409;
    case ErrorKind::payload_too_large: return 413;
    case ErrorKind::unsupported_media: return 415;
    case ErrorKind::rate_limited: return 429;
    case ErrorKind::upgrade_required: return 426;
    case ErrorKind::headers_too_large: return 431;
    case ErrorKind::unprocessable: return 422;
    case ErrorKind::internal: return 500;
    case ErrorKind::bad_gateway: return 502;
    case ErrorKind::unavailable: return 503;
  }
  return 500;
}

std::string_view title(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::invalid: return "Bad Request";
    case ErrorKind::unauthorized: return "Unauthorized";
    case ErrorKind::forbidden: return "Forbidden";
    case ErrorKind::not_found: return "Not Found";
    case ErrorKind::method_not_allowed: return "Method Not Allowed";
    case ErrorKind::timeout: return "Request Timeout";
    case ErrorKind::conflict: return "Conflict";
    case ErrorKind::payload_too_large: return "Payload Too Large";
    case ErrorKind::unsupported_media: return "Unsupported Media Type";
    case ErrorKind::rate_limited: return "Too Many Requests";
    case ErrorKind::upgrade_required: return "Upgrade Required";
    case ErrorKind::headers_too_large: return "Request Header Fields Too Large";
    case ErrorKind::unprocessable: return "Unprocessable Content";
    case ErrorKind::internal: return "Internal Server Error";
    case ErrorKind::bad_gateway: return "Bad Gateway";
    case ErrorKind::unavailable: return "Service Unavailable";
  }
  return "Internal Server Error";
}

}  // namespace dokkerr
