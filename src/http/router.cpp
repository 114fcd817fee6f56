#include "http/router.hpp"

#include "core/error.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

#include <charconv>
#include <stdexcept>

namespace dokkerr::http {
namespace {

std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  if (!path.empty() && path.front() == '/') {
    start = 1;
  }
  while (start <= path.size()) {
    const auto end = path.find('/', start);
    const auto stop = end == std::string_view::npos ? path.size() : end;
    segments.push_back(path.substr(start, stop - start));
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  return segments;
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

RouteOptions RouteOptions::audited(std::string action) const {
  auto copy = *this;
  copy.audit_action = std::move(action);
  return copy;
}

RouteOptions RouteOptions::before_mfa_enrolment() const {
  auto copy = *this;
  copy.allowed_before_mfa_enrolment = true;
  return copy;
}

RouteOptions RouteOptions::in_environment(std::string param) const {
  auto copy = *this;
  copy.environment_param = std::move(param);
  return copy;
}

RouteOptions RouteOptions::body_limit(std::size_t bytes) const {
  auto copy = *this;
  copy.max_body_bytes = bytes;
  return copy;
}

RouteOptions RouteOptions::hidden_unless_member(HiddenKind kind, std::string param) const {
  auto copy = *this;
  copy.hidden_kind = kind;
  copy.hidden_param = std::move(param);
  return copy;
}

RouteOptions RouteOptions::takes_idempotency_key() const {
  auto copy = *this;
  copy.idempotent = true;
  return copy;
}

RouteOptions RouteOptions::limited_as(RateClass budget) const {
  auto copy = *this;
  copy.rate_class = budget;
  return copy;
}

RouteOptions RouteOptions::holds_slot(SlotClass slot) const {
  auto copy = *this;
  copy.slot_class = slot;
  return copy;
}

RouteOptions RouteOptions::deprecated(std::int64_t since_unix, std::int64_t sunset_unix) const {
  auto copy = *this;
  copy.deprecation = Deprecation{since_unix, sunset_unix};
  return copy;
}

RouteOptions RouteOptions::serves_ui_file() const {
  auto copy = *this;
  copy.ui_file = true;
  return copy;
}

RouteOptions RouteOptions::streams_body() const {
  auto copy = *this;
  copy.streamed_body = true;
  return copy;
}

std::string_view rate_class_name(RateClass rate_class) {
  switch (rate_class) {
    case RateClass::automatic:
      return "automatic";
    case RateClass::sign_in:
      return "sign_in";
    case RateClass::read:
      return "read";
    case RateClass::write:
      return "write";
    case RateClass::stream:
      return "stream";
    case RateClass::unlimited:
      return "unlimited";
  }
  return "automatic";
}

RouteOptions needs(std::string_view permission) {
  RouteOptions options;
  options.permission = std::string(permission);
  return options;
}

void Router::add(Verb verb, std::string pattern, Handler handler, RouteOptions options) {
  const auto refuse = [&pattern](const std::string& why) {
    throw std::logic_error("route " + pattern + " " + why);
  };
  if (options.permission.empty()) refuse("declares no permission");
  const bool reads = verb == Verb::get || verb == Verb::head;
  const bool is_public = options.permission == access::kPublic;
  if (!reads && !is_public && options.audit_action.empty())
    refuse("changes state but declares no audit action");
  if (is_public && !options.audit_action.empty())
    refuse("is public: it records its own audit events");
  if (!options.environment_param.empty() &&
      pattern.find("{" + options.environment_param + "}") == std::string::npos) {
    refuse("has no parameter {" + options.environment_param + "}");
  }
  routes_.push_back(Route{verb, std::move(pattern), std::move(handler), std::move(options)});
}

RouteMatch Router::match(Verb verb, std::string_view path) const {
  RouteMatch result;
  const auto segments = split_segments(path);
  for (const auto& route : routes_) {
    const auto pattern = split_segments(route.pattern);
    if (pattern.size() != segments.size()) {
      continue;
    }
    std::vector<std::pair<std::string, std::string>> params;
    bool matched = true;
    for (std::size_t i = 0; i < pattern.size() && matched; ++i) {
      if (is_param(pattern[i])) {
        auto decoded = percent_decode(segments[i], false);
        if (!decoded || decoded->empty()) {
          matched = false;
          break;
        }
        params.emplace_back(std::string(pattern[i].substr(1, pattern[i].size() - 2)),
                            std::move(*decoded));
      } else if (pattern[i] != segments[i]) {
        matched = false;
      }
    }
    if (!matched) {
      continue;
    }
    if (route.verb != verb) {
      result.path_known = true;
      continue;
    }
    result.route = &route;
    result.params = std::move(params);
    return result;
  }
  return result;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

QueryParams parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> items;
  std::size_t start = 0;
  while (start < query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) {
      end = query.size();
    }
    const auto part = query.substr(start, end - start);
    start = end + 1;
    if (part.empty()) {
      continue;
    }
    const auto eq = part.find('=');
    auto key = percent_decode(part.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>{""}
                                              : percent_decode(part.substr(eq + 1), true);
    if (!key || !value || key->empty()) {
      throw Error::invalid("invalid_parameter", "The query string is malformed.");
    }
    items.emplace_back(std::move(*key), std::move(*value));
  }
  return QueryParams(std::move(items));
}

std::optional<std::string> QueryParams::get(std::string_view key) const {
  for (const auto& [k, v] : items_) {
    if (k == key) {
      return v;
    }
  }
  return std::nullopt;
}

std::vector<std::string> QueryParams::all(std::string_view key) const {
  std::vector<std::string> values;
  for (const auto& [k, v] : items_) {
    if (k == key) {
      values.push_back(v);
    }
  }
  return values;
}

bool QueryParams::flag(std::string_view key, bool fallback) const {
  const auto value = get(key);
  if (!value) {
    return fallback;
  }
  if (*value == "1" || *value == "true" || *value == "yes") {
    return true;
  }
  if (value->empty() || *value == "0" || *value == "false" || *value == "no") {
    return false;
  }
  throw Error::invalid("invalid_parameter",
                       "Query parameter '" + std::string(key) + "' must be true or false.");
}

long long QueryParams::integer(std::string_view key, long long fallback, long long min,
                               long long max) const {
  const auto value = get(key);
  if (!value) {
    return fallback;
  }
  long long parsed = 0;
  const auto* first = value->data();
  const auto* last = first + value->size();
  const auto [ptr, ec] = std::from_chars(first, last, parsed);
  if (ec != std::errc{} || ptr != last || parsed < min || parsed > max) {
    throw Error::invalid("invalid_parameter",
                         "Query parameter '" + std::string(key) + "' must be an integer from " +
                             std::to_string(min) + " to " + std::to_string(max) + ".");
  }
  return parsed;
}

const std::string& RequestContext::param(std::string_view name) const {
  for (const auto& [k, v] : path_params) {
    if (k == name) {
      return v;
    }
  }
  throw Error::internal_error("route parameter missing: " + std::string(name));
}

const Principal& RequestContext::caller() const {
  if (!principal) {
    throw Error(ErrorKind::unauthorized, "authentication_required", "Sign in to use this route.");
  }
  return *principal;
}

bool RequestContext::is_websocket_upgrade() const {
  return boost::beast::websocket::is_upgrade(request);
}

}  // namespace dokkerr::http
