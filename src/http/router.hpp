#pragma once
// Routes are matched segment by segment on the raw (still percent-encoded) path, so an encoded
// slash inside a parameter ("images/dokkerr-test%2Fbusybox") stays one segment; parameters are
// decoded after matching.
#include "http/types.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::http {

struct RouteOptions {
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

class Router {
 public:
  void add(Verb verb, std::string pattern, Handler handler, RouteOptions options = {});
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
