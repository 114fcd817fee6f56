#pragma once
// What the transport does to a complete answer before writing it, the same for every route:
//   - sparse fields: a list answer ({"items": [...]}, or a bare array) of a request with
//     ?fields=Id,Names,State keeps only those top-level keys of each item;
//   - a validator: a successful GET or HEAD answer gets a weak ETag over its body, and a request
//     whose If-None-Match names it is answered 304 without the body (RFC 9110 §13.1.2);
//   - compression: a JSON body of kGzipMinBytes or more is sent gzip-encoded when the request's
//     Accept-Encoding allows gzip (RFC 9110 §12.5.3).
#include "core/error.hpp"
#include "http/types.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::http {

inline constexpr std::size_t kGzipMinBytes = 1024;

inline constexpr std::size_t kMaxSparseFields = 64;

// Transforms `response` in place for `request` and its decoded `query`. An Error (invalid
// "invalid_parameter") when ?fields= is not a list of field names; the response is untouched then.
[[nodiscard]] std::optional<Error> transform_response(const Request& request,
                                                      const QueryParams& query, Response& response);

// W/"<first 16 bytes of SHA-256 in hex>": the same body gives the same tag on every replica.
[[nodiscard]] std::string weak_etag(std::string_view body);
// If-None-Match: "*" or a list of tags, compared weakly (W/ ignored on both sides).
[[nodiscard]] bool none_match_hits(std::string_view header, std::string_view etag);
// zlib's gzip wrapper; false on failure.
bool gzip(std::string_view input, std::string& output);

// Whether an Accept-Encoding value accepts gzip (a q of 0 refuses it; "*" counts).
[[nodiscard]] bool accepts_gzip(std::string_view accept_encoding);

}  // namespace dokkerr::http
