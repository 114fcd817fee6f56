#pragma once
// Routes are matched segment by segment on the raw (still percent-encoded) path, so an encoded
// slash inside a parameter ("images/dokkerr-test%2Fbusybox") stays one segment; parameters are
// decoded after matching.
#include "http/types.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::http {

// What a route requires of its caller. Every route names one: the authorization stage refuses a
// request before its body is read unless the caller holds it.
namespace access {
inline constexpr std::string_view kPublic = "public";                // no credentials needed
inline constexpr std::string_view kAuthenticated = "authenticated";  // any signed-in caller
}  // namespace access

// Which of the gateway's request budgets a route draws on (gateway/rate_limiter.hpp).
// automatic: a WebSocket upgrade is a stream, a GET or HEAD a read, anything else a write.
enum class RateClass : std::uint8_t { automatic, sign_in, read, write, stream, unlimited };
// "sign_in", "read", …: the class's name in configuration, bucket keys and the API description.
[[nodiscard]] std::string_view rate_class_name(RateClass rate_class);

// Which per-caller bound on concurrent requests a route holds a slot of while it runs
// (gateway/concurrency_limiter.hpp). automatic: a WebSocket upgrade holds a stream slot for as
// long as it is open, anything else none.
enum class SlotClass : std::uint8_t { automatic, none, stream, pull, upload };

// A route kept for old clients: answered as usual, with Deprecation (RFC 9745) and Sunset
// (RFC 8594) headers saying since when it is deprecated and when it goes away.
struct Deprecation {
  std::int64_t since_unix = 0;
  std::int64_t sunset_unix = 0;
};

enum class HiddenKind { organization, team };

// What the request pipeline needs to know of a route, declared with it in the route table.
struct RouteOptions {
  // A permission string ("containers:create"), access::kPublic or access::kAuthenticated.
  std::string permission;
  // Overrides the server's request body limit for this route (uploads of image tarballs).
  std::optional<std::size_t> max_body_bytes;
  // The audit log's name for what the route does ("containers.start"). Every route that is not
  // a read and not public has one; public routes record their own, richer events.
  std::string audit_action;
  // Callers whose role requires a second factor they have not enrolled may still use it (the
  // routes that enrol one, and sign-out).
  bool allowed_before_mfa_enrolment = false;
  // The path parameter that names an environment ("env"): an environment the caller was not
  // granted answers 404 before anything else happens.
  std::string environment_param;
  // The route names an organization or a team in its path (this parameter): a caller without
  // the permission who is not in that organization or team is told it does not exist (404
  // organization_not_found / team_not_found, what the services say of an unknown one) rather
  // than 403, which would confirm it exists; its own members still get 403.
  std::string hidden_param;
  HiddenKind hidden_kind = HiddenKind::organization;
  // The route takes an Idempotency-Key header: a retry with the same key and body gets the first
  // answer again instead of acting twice (http/pipeline.hpp, Idempotency).
  bool idempotent = false;
  RateClass rate_class = RateClass::automatic;
  SlotClass slot_class = SlotClass::automatic;
  std::optional<Deprecation> deprecation;
  // The web UI's files are served, not operations of the API: its description leaves them out.
  bool ui_file = false;
  // The handler reads the body itself, piece by piece (RequestContext::body), rather than
  // getting it whole in the request: uploads too large to hold in memory.
  bool streamed_body = false;

  // Chainable refinements:
  // needs(perm::containers_create).audited("containers.create").in_environment("env").
  [[nodiscard]] RouteOptions audited(std::string action) const;
  [[nodiscard]] RouteOptions before_mfa_enrolment() const;
  [[nodiscard]] RouteOptions in_environment(std::string param) const;
  [[nodiscard]] RouteOptions body_limit(std::size_t bytes) const;
  [[nodiscard]] RouteOptions takes_idempotency_key() const;
  [[nodiscard]] RouteOptions hidden_unless_member(HiddenKind kind, std::string param) const;
  [[nodiscard]] RouteOptions limited_as(RateClass budget) const;
  [[nodiscard]] RouteOptions holds_slot(SlotClass slot) const;
  [[nodiscard]] RouteOptions deprecated(std::int64_t since_unix, std::int64_t sunset_unix) const;
  [[nodiscard]] RouteOptions serves_ui_file() const;
  [[nodiscard]] RouteOptions streams_body() const;
};

// The options of a route that requires `permission` (see access::).
RouteOptions needs(std::string_view permission);

struct Route {
  Verb verb;
  std::string pattern;  // "/api/v1/environments/{env}/containers/{id}/start"
  Handler handler;
  RouteOptions options;
};

struct RouteMatch {
  const Route* route = nullptr;  // null: no route for this method and path
  bool path_known = false;       // the path exists for another method (→ 405)
  std::vector<std::pair<std::string, std::string>> params;
};

class Router {
 public:
  // Throws std::logic_error for a route the pipeline could not guard: no permission, a route
  // that changes something without an audit action (or a public one with one), or an
  // environment parameter the pattern does not have.
  void add(Verb verb, std::string pattern, Handler handler, RouteOptions options);
  [[nodiscard]] RouteMatch match(Verb verb, std::string_view path) const;
  [[nodiscard]] const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Percent-decodes one path segment or query component ('+' stays '+' in paths). Returns
// std::nullopt for malformed escapes or an encoded NUL.
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space);

// Splits "a=1&b=2" into decoded pairs; throws Error invalid "invalid_parameter" when malformed.
QueryParams parse_query(std::string_view query);

}  // namespace dokkerr::http
