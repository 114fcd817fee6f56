#include "docker/errors.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <string>

namespace dokkerr::docker {

namespace {

// The engine's messages are short; anything longer is not a message we should pass on whole.
constexpr std::size_t kMaxMessage = 1024;

// Keeps the message printable: engine bodies are untrusted bytes that end up in JSON problem
// documents and log lines.
std::string clean(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxMessage));
  for (const char c : text) {
    if (out.size() >= kMaxMessage) break;
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  std::size_t start = 0;
  while (start < out.size() && out[start] == ' ') ++start;
  return out.substr(start);
}

// The engine answers {"message":"..."}; hijack endpoints and some proxies answer plain text.
std::string engine_message(unsigned status, std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(body, ec);
  if (!ec && doc.is_object()) {
    if (const auto* msg = doc.as_object().if_contains("message"); msg && msg->is_string()) {
      const boost::json::string& raw = msg->as_string();
      std::string text = clean(std::string_view(raw.data(), raw.size()));
      if (!text.empty()) return text;
    }
  }
  if (ec) {
    std::string text = clean(body);
    if (!text.empty()) return text;
  }
  return "The Docker engine answered with HTTP status " + std::to_string(status) + ".";
}

}  // namespace

namespace {

bool contains_nocase(std::string_view haystack, std::string_view needle) {
  const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                              [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                          std::tolower(static_cast<unsigned char>(b)); });
  return it != haystack.end();
}

// The engine's 404 message names what was missing, which is not always what the route is about
// (connecting an unknown container to a network).
std::string missing_object(std::string_view message, const std::string& fallback) {
  if (contains_nocase(message, "no such container")) return "container";
  if (contains_nocase(message, "no such image")) return "image";
  if (contains_nocase(message, "no such volume")) return "volume";
  if (contains_nocase(message, "network") && contains_nocase(message, "not found")) return "network";
  if (contains_nocase(message, "no such exec")) return "exec";
  return fallback;
}

// "json: cannot unmarshal string into Go struct field Config.Cmd of type strslice.StrSlice"
// → "Cmd". The engine decodes bodies strictly by type; we report the field, not Go's types.
std::string unmarshal_field(std::string_view message) {
  constexpr std::string_view marker = "Go struct field ";
  const auto start = message.find(marker);
  if (start == std::string_view::npos) return {};
  auto field = message.substr(start + marker.size());
  field = field.substr(0, field.find(' '));
  const auto dot = field.find('.');
  return std::string(dot == std::string_view::npos ? field : field.substr(dot + 1));
}

}  // namespace

Error map_engine_error(unsigned status, std::string_view body, std::string_view what) {
  const std::string object = what.empty() ? "object" : std::string(what);
  std::string message = engine_message(status, body);
  std::string internal = "engine status " + std::to_string(status) + ": " + message;
  // A body of the wrong shape is the caller's mistake whatever status the engine chose for it.
  if ((status == 400 || status == 500) &&
      (contains_nocase(message, "cannot unmarshal") || contains_nocase(message, "json: unknown field") ||
       contains_nocase(message, "invalid character"))) {
    const auto field = unmarshal_field(message);
    std::string detail = field.empty() ? "The request body has a field of the wrong type."
                                       : "Field '" + field + "' has the wrong type.";
    return {ErrorKind::invalid, "invalid_body", std::move(detail), std::move(internal)};
  }
  if ((status == 400 || status == 500) && contains_nocase(message, "invalid reference format")) {
    return {ErrorKind::invalid, "invalid_reference", std::move(message), std::move(internal)};
  }
  // Swarm routes on an engine that is not a swarm manager (not in a swarm, or a worker).
  if (status == 503 && contains_nocase(message, "not a swarm manager")) {
    return {ErrorKind::conflict, "not_swarm_manager",
            "The environment's engine is not a swarm manager.", std::move(internal)};
  }
  switch (status) {
    case 304:
      return {ErrorKind::conflict, "not_modified", std::move(message), std::move(internal)};
    case 400:
      return {ErrorKind::invalid, "invalid_request", std::move(message), std::move(internal)};
    case 403:
      // The engine's 403 is "not allowed in this state": a network with active endpoints, an
      // overlapping address pool, an operation on a swarm-scoped object.
      return {ErrorKind::conflict, object + "_conflict", std::move(message), std::move(internal)};
    case 404:
      return {ErrorKind::not_found, missing_object(message, object) + "_not_found",
              std::move(message), std::move(internal)};
    case 409:
      return {ErrorKind::conflict, object + "_conflict", std::move(message), std::move(internal)};
    default:
      break;
  }
  // 5xx and anything else we do not expect (401 from an authorization plugin, 406...) means
  // the engine could not do what we asked; the caller's request itself was acceptable to us.
  return {ErrorKind::bad_gateway, "engine_error", std::move(message), std::move(internal)};
}

}  // namespace dokkerr::docker
