#pragma once
// Routes are matched segment by segment on the raw (still percent-encoded) path, so an encoded
// slash inside a parameter ("images/dokkerr-test%2Fbusybox") stays one segment; parameters are
// decoded after matching.
#include "http/types.hpp"

#include <memory>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
class Error;
}

namespace dokkerr::http {

// What a route requires of its caller. Every route names one: the authenticator refuses a
// request before its body is read unless the caller holds it.
namespace access {
inline constexpr std::string_view kPublic = "public";                // no credentials needed
inline constexpr std::string_view kAuthenticated = "authenticated";  // any signed-in caller
}  // namespace access

struct RouteOptions {
  // A permission string ("containers:create"), access::kPublic or access::kAuthenticated.
  std::string permission;
  // Overrides the server's request body limit for this route (uploads of image tarballs).
  std::optional<std::size_t> max_body_bytes;
};

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

// What the authenticator sees of a request: its headers, before the body is read.
struct GuardRequest {
  const Route& route;
  std::string_view authorization;  // the Authorization header
  std::string_view api_key;        // the X-API-Key header
  std::string_view user_agent;
  bool websocket = false;
  const QueryParams& query;
  const std::vector<std::pair<std::string, std::string>>& params;  // decoded path parameters
  std::string_view remote_address;
  std::string_view request_id;
};
// Resolves the caller (null for public routes) or throws Error (401/403).
using Guard = std::function<boost::asio::awaitable<std::shared_ptr<const Principal>>(const GuardRequest&)>;
// Sees every routed request once its status is known (the audit log).
using Observer = std::function<boost::asio::awaitable<void>(const RequestContext&, const Route&,
                                                            unsigned status, const Error* failure)>;

class Router {
 public:
  // Throws std::logic_error when options.permission is empty: no route without an access rule.
  void add(Verb verb, std::string pattern, Handler handler, RouteOptions options);
  [[nodiscard]] RouteMatch match(Verb verb, std::string_view path) const;
  [[nodiscard]] const std::vector<Route>& routes() const { return routes_; }

  void set_guard(Guard guard) { guard_ = std::move(guard); }
  void set_observer(Observer observer) { observer_ = std::move(observer); }
  [[nodiscard]] const Guard& guard() const { return guard_; }
  [[nodiscard]] const Observer& observer() const { return observer_; }

 private:
  std::vector<Route> routes_;
  Guard guard_;
  Observer observer_;
};

// Percent-decodes one path segment or query component ('+' stays '+' in paths). Returns
// std::nullopt for malformed escapes or an encoded NUL.
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space);

// Splits "a=1&b=2" into decoded pairs; throws Error invalid "invalid_parameter" when malformed.
QueryParams parse_query(std::string_view query);

}  // namespace dokkerr::http
