#include "http/transform.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>
#include <zlib.h>

namespace dokkerr::http {
namespace {

namespace bhttp = boost::beast::http;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

// W/"<first 16 bytes of SHA-256 in hex>": the same body gives the same tag on every replica.
std::string weak_etag(std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(body.data(), body.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "W/\"";
  for (unsigned int i = 0; i < 16 && i < length; ++i) {
    tag.push_back(kHex[digest[i] >> 4]);
    tag.push_back(kHex[digest[i] & 0xF]);
  }
  tag.push_back('"');
  return tag;
}

// If-None-Match: "*" or a list of tags, compared weakly (W/ ignored on both sides).
bool none_match_hits(std::string_view header, std::string_view etag) {
  const auto opaque = [](std::string_view tag) {
    tag = trim(tag);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag;
  };
  const auto ours = opaque(etag);
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto tag = opaque(header.substr(0, comma));
    if (tag == "*" || tag == ours) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

// zlib's gzip wrapper (windowBits 15 + 16); nullopt-like empty string on failure.
bool gzip(std::string_view input, std::string& output) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return false;
  }
  output.resize(deflateBound(&stream, static_cast<uLong>(input.size())));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(output.data());
  stream.avail_out = static_cast<uInt>(output.size());
  const int result = deflate(&stream, Z_FINISH);
  output.resize(stream.total_out);
  deflateEnd(&stream);
  return result == Z_STREAM_END;
}

namespace {

void add_vary(Response& response, std::string_view token) {
  const auto current = response[bhttp::field::vary];
  if (current.empty()) {
    response.set(bhttp::field::vary, token);
  } else if (current.find(token) == std::string_view::npos) {
    response.set(bhttp::field::vary, std::string(current) + ", " + std::string(token));
  }
}

// "Id,Names,State" → the names; nullopt when one is empty, too long or not a plain name.
std::optional<std::vector<std::string>> field_names(std::string_view list) {
  std::vector<std::string> names;
  while (true) {
    const auto comma = list.find(',');
    const auto name = trim(list.substr(0, comma));
    const bool plain =
        !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
        });
    if (!plain || names.size() == kMaxSparseFields) return std::nullopt;
    names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return names;
}

// Keeps `names` of each item of a list answer; anything that is not a list answer is left.
void keep_fields(Response& response, const std::vector<std::string>& names) {
  boost::system::error_code ec;
  auto document = boost::json::parse(response.body(), ec);
  if (ec) return;
  boost::json::array* items = document.if_array();
  if (items == nullptr) {
    auto* object = document.if_object();
    auto* listed = object != nullptr ? object->if_contains("items") : nullptr;
    items = listed != nullptr ? listed->if_array() : nullptr;
  }
  if (items == nullptr) return;
  for (auto& item : *items) {
    auto* fields = item.if_object();
    if (fields == nullptr) continue;
    boost::json::object kept;
    for (const auto& name : names) {
      if (const auto* value = fields->if_contains(name)) kept[name] = *value;
    }
    *fields = std::move(kept);
  }
  response.body() = boost::json::serialize(document);
  response.prepare_payload();
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    auto item = trim(accept_encoding.substr(0, comma));
    const auto semicolon = item.find(';');
    const auto coding = trim(item.substr(0, semicolon));
    if (boost::beast::iequals(coding, "gzip") || coding == "*") {
      if (semicolon == std::string_view::npos) return true;
      auto parameter = trim(item.substr(semicolon + 1));
      if (!(parameter.starts_with("q=") || parameter.starts_with("Q="))) return true;
      parameter.remove_prefix(2);
      // q=0, q=0.0, q=0.000 refuse; anything else accepts.
      return parameter.find_first_not_of("0.") != std::string_view::npos;
    }
    if (comma == std::string_view::npos) break;
    accept_encoding.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<Error> transform_response(const Request& request, const QueryParams& query,
                                        Response& response) {
  const auto verb = request.method();
  const bool reads = verb == Verb::get || verb == Verb::head;
  if (!reads || response.result() != Status::ok || response.body().empty() ||
      response.find(bhttp::field::content_encoding) != response.end()) {
    return std::nullopt;
  }
  const auto type = response[bhttp::field::content_type];
  const bool json = type.find("json") != std::string_view::npos;
  if (const auto fields = query.get("fields"); fields && json) {
    const auto names = field_names(*fields);
    if (!names) {
      return Error::invalid("invalid_parameter",
                            "fields: a comma-separated list of up to " +
                                std::to_string(kMaxSparseFields) +
                                " field names (letters, digits, '_' and '.').");
    }
    keep_fields(response, *names);
  }
  // An answer its handler marked no-store is made anew each time (a page with a fresh nonce, a
  // one-time sign-in URL): a validator would promise a sameness it does not have. (Answers
  // without a Cache-Control of their own get the default no-store only after this.)
  if (response[bhttp::field::cache_control] == "no-store") return std::nullopt;
  if (response.find(bhttp::field::etag) == response.end()) {
    response.set(bhttp::field::etag, weak_etag(response.body()));
  }
  const auto if_none_match = request[bhttp::field::if_none_match];
  if (!if_none_match.empty() && none_match_hits(if_none_match, response[bhttp::field::etag])) {
    response.result(Status::not_modified);
    response.erase(bhttp::field::content_type);
    response.body().clear();
    response.content_length(boost::none);
    response.erase(bhttp::field::content_length);
    return std::nullopt;
  }
  if (!json || response.body().size() < kGzipMinBytes) return std::nullopt;
  add_vary(response, "Accept-Encoding");
  if (!accepts_gzip(request[bhttp::field::accept_encoding])) return std::nullopt;
  std::string compressed;
  if (!gzip(response.body(), compressed) || compressed.size() >= response.body().size()) {
    return std::nullopt;
  }
  response.body() = std::move(compressed);
  response.set(bhttp::field::content_encoding, "gzip");
  response.prepare_payload();
  return std::nullopt;
}

}  // namespace dokkerr::http
