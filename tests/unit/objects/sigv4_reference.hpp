#pragma once
// An AWS Signature Version 4 reference for the tests, written from the published algorithm
// (IAM user guide, "Create a signed AWS API request") and checked against AWS's own test vectors
// in sigv4_reference_test.cpp. It shares no code with the S3 client under test (which lets
// libcurl sign), so a request the capture server recorded can be re-signed here and compared.
//
// Only the header form (Authorization: AWS4-HMAC-SHA256 ...) is covered, not presigned URLs
// or the aws-chunked streaming signatures.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dokkerr::objects::testing {

struct SignedRequestParts {
  std::string method;
  std::string path;   // the request target's path as sent (percent-encoded or not)
  std::string query;  // as sent, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // as received, any case, repeats kept
};

// The fields of "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,
// SignedHeaders=a;b, Signature=hex".
struct AuthorizationFields {
  std::string access_key;
  std::string date;  // YYYYMMDD from the credential scope
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;  // in the order sent
  std::string signature;
};

// Empty when the value is not an AWS4-HMAC-SHA256 authorization with all three fields.
std::optional<AuthorizationFields> parse_authorization(std::string_view value);

// The first value of a header, by case-insensitive name.
std::optional<std::string> header_value(const SignedRequestParts& request, std::string_view name);

// RFC 3986 encoding as SigV4 wants it: unreserved characters kept, every other byte %XX with
// upper-case hex; '/' kept only when keep_slash.
std::string uri_encode(std::string_view bytes, bool keep_slash);

// S3: the path is decoded and encoded once, never normalized ("a/../b" is a key). Every other
// service: "." and ".." segments and repeated slashes are removed, then the path as sent is
// encoded again (so an already-encoded path ends up encoded twice).
std::string canonical_uri(std::string_view path, std::string_view service);

// Parameters decoded, re-encoded, sorted by encoded name then encoded value; "a" becomes "a=".
std::string canonical_query(std::string_view query);

// Signed header names are lower-cased and sorted; their values trimmed, runs of spaces collapsed,
// repeats joined with ','. Throws std::invalid_argument when a signed header was not sent.
std::string canonical_request(const SignedRequestParts& request,
                              const std::vector<std::string>& signed_headers,
                              std::string_view service, std::string_view payload_hash);

// scope: "20130524/us-east-1/s3/aws4_request".
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);

// Lower-case hex HMAC of string_to_sign under the key derived for date (YYYYMMDD), region, service.
std::string signature(std::string_view secret_key, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign);

std::string sha256_hex(std::string_view bytes);

// The Authorization header the request should carry, in the usual
// "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…" form: access key, region and
// service from the received Authorization header, the date from x-amz-date (so a scope dated
// otherwise shows as a difference), the signed header names sorted, and the payload hash from
// payload_hash or else the x-amz-content-sha256 header as sent. Throws std::invalid_argument
// when the request lacks what that needs.
std::string expected_authorization(const SignedRequestParts& request, std::string_view secret_key,
                                   std::optional<std::string_view> payload_hash = std::nullopt);

}  // namespace dokkerr::objects::testing
