#include "unit/objects/sigv4_reference.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <stdexcept>

namespace dokkerr::objects::testing {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4U]);
    out.push_back(kDigits[bytes[i] & 0x0FU]);
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &size) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return {reinterpret_cast<const char*>(out.data()), size};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Only well-formed %XX escapes are decoded; a stray '%' stays and is encoded as %25 later. '+'
// is a plus, not a space: SigV4 is not form decoding.
std::string percent_decoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = hex_digit(text[i + 1]);
      const int low = hex_digit(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// RFC 3986 remove_dot_segments, plus the empty segments that "//" makes.
std::string normalized_path(std::string_view path) {
  std::vector<std::string_view> kept;
  const auto segments = split(path, '/');
  bool trailing_slash = false;
  for (const auto segment : segments) {
    trailing_slash = segment.empty() || segment == "." || segment == "..";
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
      continue;
    }
    kept.push_back(segment);
  }
  std::string out;
  for (const auto segment : kept) {
    out += '/';
    out += segment;
  }
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

std::string canonical_header_value(std::string_view value) {
  std::string out;
  bool in_space = false;
  for (const char c : trimmed(value)) {
    if (is_space(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::string> sorted_names(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  out.reserve(names.size());
  for (const auto& name : names) out.push_back(lowered(trimmed(name)));
  std::sort(out.begin(), out.end());
  return out;
}

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

}  // namespace

std::optional<AuthorizationFields> parse_authorization(std::string_view value) {
  value = trimmed(value);
  if (value.substr(0, kAlgorithm.size()) != kAlgorithm) return std::nullopt;
  value.remove_prefix(kAlgorithm.size());
  if (value.empty() || !is_space(value.front())) return std::nullopt;
  std::optional<std::string_view> credential;
  std::optional<std::string_view> signed_headers;
  std::optional<std::string_view> signature_hex;
  for (const auto component : split(value, ',')) {
    const auto field = trimmed(component);
    const auto equals = field.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const auto name = field.substr(0, equals);
    const auto content = field.substr(equals + 1);
    if (name == "Credential") {
      credential = content;
    } else if (name == "SignedHeaders") {
      signed_headers = content;
    } else if (name == "Signature") {
      signature_hex = content;
    } else {
      return std::nullopt;
    }
  }
  if (!credential || !signed_headers || !signature_hex) return std::nullopt;
  const auto scope = split(*credential, '/');
  if (scope.size() != 5 || scope[4] != "aws4_request") return std::nullopt;
  AuthorizationFields fields;
  fields.access_key = scope[0];
  fields.date = scope[1];
  fields.region = scope[2];
  fields.service = scope[3];
  for (const auto name : split(*signed_headers, ';')) fields.signed_headers.emplace_back(name);
  fields.signature = *signature_hex;
  return fields;
}

std::optional<std::string> header_value(const SignedRequestParts& request, std::string_view name) {
  const auto wanted = lowered(name);
  for (const auto& [key, value] : request.headers) {
    if (lowered(key) == wanted) return value;
  }
  return std::nullopt;
}

std::string uri_encode(std::string_view bytes, bool keep_slash) {
  static constexpr std::string_view kDigits = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kDigits[byte >> 4U]);
    out.push_back(kDigits[byte & 0x0FU]);
  }
  return out;
}

std::string canonical_uri(std::string_view path, std::string_view service) {
  if (path.empty()) return "/";
  if (service == "s3") return uri_encode(percent_decoded(path), true);
  return uri_encode(normalized_path(path), true);
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> parameters;
  if (!query.empty()) {
    for (const auto piece : split(query, '&')) {
      if (piece.empty()) continue;
      const auto equals = piece.find('=');
      const auto name = piece.substr(0, equals);
      const auto value =
          equals == std::string_view::npos ? std::string_view{} : piece.substr(equals + 1);
      parameters.emplace_back(uri_encode(percent_decoded(name), false),
                              uri_encode(percent_decoded(value), false));
    }
  }
  // Pairs, not "name=value" strings: "Param-3=…" would otherwise sort before "Param=…".
  std::sort(parameters.begin(), parameters.end());
  std::string out;
  for (const auto& [name, value] : parameters) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string canonical_request(const SignedRequestParts& request,
                              const std::vector<std::string>& signed_headers,
                              std::string_view service, std::string_view payload_hash) {
  const auto names = sorted_names(signed_headers);
  std::string headers;
  for (const auto& name : names) {
    std::vector<std::string> values;
    for (const auto& [key, value] : request.headers) {
      if (lowered(key) == name) values.push_back(canonical_header_value(value));
    }
    if (values.empty()) throw std::invalid_argument("signed header not sent: " + name);
    headers += name + ':' + joined(values, ",") + '\n';
  }
  std::string out;
  out += request.method + '\n';
  out += canonical_uri(request.path, service) + '\n';
  out += canonical_query(request.query) + '\n';
  out += headers + '\n';
  out += joined(names, ";") + '\n';
  out += payload_hash;
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += sha256_hex(canonical_request);
  return out;
}

std::string signature(std::string_view secret_key, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view string_to_sign) {
  const auto date_key = hmac_sha256("AWS4" + std::string(secret_key), date);
  const auto region_key = hmac_sha256(date_key, region);
  const auto service_key = hmac_sha256(region_key, service);
  const auto signing_key = hmac_sha256(service_key, "aws4_request");
  const auto mac = hmac_sha256(signing_key, string_to_sign);
  return hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return hex(digest.data(), size);
}

std::string expected_authorization(const SignedRequestParts& request, std::string_view secret_key,
                                   std::optional<std::string_view> payload_hash) {
  const auto sent = header_value(request, "authorization");
  if (!sent) throw std::invalid_argument("no Authorization header");
  const auto fields = parse_authorization(*sent);
  if (!fields) throw std::invalid_argument("not a SigV4 Authorization header: " + *sent);
  const auto amz_date = header_value(request, "x-amz-date");
  if (!amz_date || amz_date->size() != 16) throw std::invalid_argument("no usable x-amz-date");
  std::string payload;
  if (payload_hash) {
    payload = *payload_hash;
  } else if (const auto header = header_value(request, "x-amz-content-sha256")) {
    payload = *header;
  } else {
    throw std::invalid_argument("no payload hash: neither given nor in x-amz-content-sha256");
  }
  const auto date = amz_date->substr(0, 8);
  const auto scope = date + '/' + fields->region + '/' + fields->service + "/aws4_request";
  const auto creq = canonical_request(request, fields->signed_headers, fields->service, payload);
  const auto sts = string_to_sign(*amz_date, scope, creq);
  return std::string(kAlgorithm) + " Credential=" + fields->access_key + '/' + scope +
         ", SignedHeaders=" + joined(sorted_names(fields->signed_headers), ";") +
         ", Signature=" + signature(secret_key, date, fields->region, fields->service, sts);
}

}  // namespace dokkerr::objects::testing
