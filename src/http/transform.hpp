#pragma once
// What the transport does to a complete answer before writing it, the same for every route:
//   - a validator: a successful GET or HEAD answer gets a weak ETag over its body, and a request
//     whose If-None-Match names it is answered 304 without the body (RFC 9110 §13.1.2);
//   - compression: a JSON body of kGzipMinBytes or more is sent gzip-encoded when the request's
//     Accept-Encoding allows gzip (RFC 9110 §12.5.3).
#include "http/types.hpp"

#include <cstddef>

namespace dokkerr::http {

inline constexpr std::size_t kGzipMinBytes = 1024;

// Transforms `response` in place for `request`.
void transform_response(const Request& request, Response& response);

// Whether an Accept-Encoding value accepts gzip (a q of 0 refuses it; "*" counts).
[[nodiscard]] bool accepts_gzip(std::string_view accept_encoding);

}  // namespace dokkerr::http
