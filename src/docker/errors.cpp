#include "docker/errors.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
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

Error map_engine_error(unsigned status, std::string_view body, std::string_view what) {
  const std::string object = what.empty() ? "object" : std::string(what);
  std::string message = engine_message(status, body);
  std::string internal = "engine status " + std::to_string(status) + ": " + message;
  switch (status) {
    case 304:
      return {ErrorKind::conflict, "not_modified", std::move(message), std::move(internal)};
    case 400:
      return {ErrorKind::invalid, "invalid_request", std::move(message), std::move(internal)};
    case 404:
      return {ErrorKind::not_found, object + "_not_found", std::move(message), std::move(internal)};
    case 409:
      return {ErrorKind::conflict, object + "_conflict", std::move(message), std::move(internal)};
    default: break;
  }
  // 5xx and anything else we do not expect (401/403 from an authorization plugin, 406...) means
  // the engine could not do what we asked; the caller's request itself was acceptable to us.
  return {ErrorKind::bad_gateway, "engine_error", std::move(message), std::move(internal)};
}

}  // namespace dokkerr::docker
