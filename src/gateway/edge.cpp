#include "gateway/edge.hpp"

#include "core/principal.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace dokkerr::gateway {
namespace {

namespace bhttp = boost::beast::http;
using http::Exchange;
using http::RateClass;

std::string_view header(const http::Request& request, std::string_view name) {
  const auto value = request[name];
  return {value.data(), value.size()};
}

std::string_view path_of(const Exchange& exchange) {
  const auto target = exchange.target();
  return target.substr(0, target.find('?'));
}

// RFC 9110 §5.6.7: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::int64_t unix_seconds) {
  const auto seconds = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[40];
  const auto length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return {text, length};
}

bool is_version_segment(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == 'v' &&
         std::all_of(segment.begin() + 1, segment.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

RateClass class_of(const Exchange& exchange) {
  if (exchange.route != nullptr && exchange.route->options.rate_class != RateClass::automatic) {
    return exchange.route->options.rate_class;
  }
  if (boost::beast::websocket::is_upgrade(exchange.context.request)) return RateClass::stream;
  const auto verb = exchange.context.request.method();
  return verb == http::Verb::get || verb == http::Verb::head ? RateClass::read : RateClass::write;
}

http::SlotClass slot_of(const Exchange& exchange) {
  const auto declared = exchange.route->options.slot_class;
  if (declared != http::SlotClass::automatic) return declared;
  return boost::beast::websocket::is_upgrade(exchange.context.request) ? http::SlotClass::stream
                                                                       : http::SlotClass::none;
}

bool needs_caller(const Exchange& exchange) {
  return exchange.route != nullptr && exchange.route->options.permission != http::access::kPublic;
}

constexpr const char* kAllowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE";
constexpr const char* kAllowedHeaders =
    "Authorization, Content-Type, X-API-Key, X-Request-Id, Idempotency-Key, If-None-Match";
constexpr const char* kExposedHeaders =
    "X-Request-Id, API-Version, Deprecation, Sunset, ETag, Retry-After, RateLimit-Limit, "
    "RateLimit-Remaining, RateLimit-Reset";
constexpr const char* kPreflightMaxAge = "600";

}  // namespace

Edge::Edge(EdgeSettings settings, SteadyNow now)
    : settings_(std::move(settings)),
      now_(std::move(now)),
      limiter_(settings_.rate_limits, settings_.max_buckets),
      slots_(settings_.concurrency) {}

http::Pipeline::Extensions Edge::stages() {
  http::Pipeline::Extensions extensions;
  const auto stage = [](auto check) { return http::Pipeline::Stage{{}, std::move(check), {}}; };
  const auto async_stage = [](auto check) {
    return http::Pipeline::Stage{{}, {}, std::move(check)};
  };
  const bool shared = settings_.shared_buckets != nullptr;
  extensions.edge = {
      stage([this](Exchange& e) { return resolve_client(e); }),
      stage([this](Exchange& e) { return check_version(e); }),
      stage([this](Exchange& e) { return apply_cors(e); }),
      shared ? async_stage([this](Exchange& e) { return limit_anonymous_shared(e); })
             : stage([this](Exchange& e) { return limit_anonymous(e); }),
  };
  extensions.caller = {
      shared ? async_stage([this](Exchange& e) { return limit_caller_shared(e); })
             : stage([this](Exchange& e) { return limit_caller(e); }),
      stage([this](Exchange& e) { return hold_slot(e); }),
  };
  return extensions;
}

std::optional<Error> Edge::resolve_client(Exchange& exchange) const {
  if (settings_.trusted_proxies.empty()) return std::nullopt;
  const auto& request = exchange.context.request;
  exchange.context.remote_address =
      client_address(exchange.context.remote_address, header(request, "Forwarded"),
                     header(request, "X-Forwarded-For"), settings_.trusted_proxies);
  return std::nullopt;
}

std::optional<Error> Edge::check_version(Exchange& exchange) const {
  const auto path = path_of(exchange);
  if (!path.starts_with("/api/")) return std::nullopt;
  exchange.response_headers.emplace_back("API-Version", std::string(kApiVersion));
  auto segment = path.substr(5);
  segment = segment.substr(0, segment.find('/'));
  if (is_version_segment(segment) && segment.substr(1) != kApiVersion) {
    return Error::not_found("api_version_unknown", "This server speaks API version " +
                                                       std::string(kApiVersion) + " (/api/v" +
                                                       std::string(kApiVersion) + "/), not " +
                                                       std::string(segment) + ".");
  }
  if (exchange.route != nullptr && exchange.route->options.deprecation) {
    const auto& deprecation = *exchange.route->options.deprecation;
    exchange.response_headers.emplace_back("Deprecation",
                                           "@" + std::to_string(deprecation.since_unix));
    exchange.response_headers.emplace_back("Sunset", http_date(deprecation.sunset_unix));
  }
  return std::nullopt;
}

std::optional<Error> Edge::apply_cors(Exchange& exchange) const {
  const auto& request = exchange.context.request;
  const auto origin = header(request, "Origin");
  if (origin.empty()) return std::nullopt;
  exchange.response_headers.emplace_back("Vary", "Origin");
  const auto& allowed = settings_.cors_origins;
  const bool listed = std::find(allowed.begin(), allowed.end(), origin) != allowed.end();
  const bool preflight = request.method() == http::Verb::options &&
                         !header(request, "Access-Control-Request-Method").empty();
  if (!listed) {
    if (!preflight)
      return std::nullopt;  // no CORS headers: the browser keeps the answer from the page
    return Error(ErrorKind::forbidden, "cors_origin_not_allowed",
                 "Cross-origin requests from " + std::string(origin) + " are not allowed.");
  }
  exchange.response_headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  if (!preflight) {
    exchange.response_headers.emplace_back("Access-Control-Expose-Headers", kExposedHeaders);
    return std::nullopt;
  }
  http::Response answer{http::Status::no_content, 11};
  answer.set("Access-Control-Allow-Methods", kAllowedMethods);
  answer.set("Access-Control-Allow-Headers", kAllowedHeaders);
  answer.set("Access-Control-Max-Age", kPreflightMaxAge);
  exchange.early_answer = std::move(answer);
  return std::nullopt;
}

std::optional<std::string> Edge::anonymous_subject(const Exchange& exchange) {
  if (needs_caller(exchange)) return std::nullopt;  // limited as the caller, once known
  return "address:" + exchange.context.remote_address;
}

std::optional<std::string> Edge::caller_subject(const Exchange& exchange) {
  if (!needs_caller(exchange) || exchange.context.principal == nullptr) return std::nullopt;
  const auto& caller = *exchange.context.principal;
  return caller.api_key_id.empty() ? "user:" + caller.user_id : "key:" + caller.api_key_id;
}

std::optional<Error> Edge::limit_anonymous(Exchange& exchange) {
  const auto subject = anonymous_subject(exchange);
  return subject ? limit(exchange, *subject) : std::nullopt;
}

std::optional<Error> Edge::limit_caller(Exchange& exchange) {
  const auto subject = caller_subject(exchange);
  return subject ? limit(exchange, *subject) : std::nullopt;
}

std::optional<Error> Edge::limit(Exchange& exchange, std::string_view subject) {
  const auto rate_class = class_of(exchange);
  if (rate_class == RateClass::unlimited) return std::nullopt;
  const auto decision = limiter_.take(rate_class, subject, now_());
  if (!decision) return std::nullopt;
  return answer(exchange, *decision);
}

boost::asio::awaitable<std::optional<Error>> Edge::limit_anonymous_shared(Exchange& exchange) {
  auto subject = anonymous_subject(exchange);
  if (!subject) co_return std::nullopt;
  co_return co_await limit_shared(exchange, std::move(*subject));
}

boost::asio::awaitable<std::optional<Error>> Edge::limit_caller_shared(Exchange& exchange) {
  auto subject = caller_subject(exchange);
  if (!subject) co_return std::nullopt;
  co_return co_await limit_shared(exchange, std::move(*subject));
}

boost::asio::awaitable<std::optional<Error>> Edge::limit_shared(Exchange& exchange,
                                                                std::string subject) {
  const auto rate_class = class_of(exchange);
  if (rate_class == RateClass::unlimited) co_return std::nullopt;
  const auto& rule = settings_.rate_limits.of(rate_class);
  if (rule.per_minute <= 0) co_return std::nullopt;
  const auto taken = co_await settings_.shared_buckets->take(
      "dokkerr:rl:" + std::string(http::rate_class_name(rate_class)) + ":" + subject, rule);
  if (taken) co_return answer(exchange, decide(rule, taken->tokens_left, taken->allowed));
  // The shared buckets are out of reach: this replica's own share of the budget applies.
  const auto decision = limiter_.take(rate_class, subject, now_());
  co_return decision ? answer(exchange, *decision) : std::nullopt;
}

std::optional<Error> Edge::answer(Exchange& exchange, const RateDecision& decision) {
  auto& headers = exchange.response_headers;
  headers.emplace_back("RateLimit-Limit", std::to_string(decision.limit));
  headers.emplace_back("RateLimit-Remaining", std::to_string(decision.remaining));
  headers.emplace_back("RateLimit-Reset", std::to_string(decision.reset_seconds));
  if (decision.allowed) return std::nullopt;
  headers.emplace_back("Retry-After", std::to_string(decision.retry_after_seconds));
  return Error(
      ErrorKind::rate_limited, "rate_limited",
      "Too many requests; try again in " + std::to_string(decision.retry_after_seconds) + " s.");
}

std::optional<Error> Edge::hold_slot(Exchange& exchange) {
  if (!needs_caller(exchange) || exchange.context.principal == nullptr) return std::nullopt;
  const auto slot_class = slot_of(exchange);
  if (slot_class == http::SlotClass::none) return std::nullopt;
  // Per user: one user's API keys share the user's slots.
  auto slot = slots_.acquire(slot_class, exchange.context.principal->user_id);
  if (slot) {
    exchange.held.push_back(std::move(slot));
    return std::nullopt;
  }
  const auto bound = std::to_string(settings_.concurrency.of(slot_class));
  switch (slot_class) {
    case http::SlotClass::stream:
      return Error(ErrorKind::rate_limited, "too_many_streams",
                   "You have " + bound + " WebSockets open, as many as allowed; close one first.");
    case http::SlotClass::pull:
      return Error(
          ErrorKind::rate_limited, "too_many_pulls",
          "You have " + bound + " image pulls running, as many as allowed; wait for one to end.");
    default:
      return Error(
          ErrorKind::rate_limited, "too_many_uploads",
          "You have " + bound + " uploads running, as many as allowed; wait for one to end.");
  }
}

}  // namespace dokkerr::gateway
