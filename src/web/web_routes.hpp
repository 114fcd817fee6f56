#pragma once
// GET / (index.html), GET /<top-level file> and GET /assets/{file}: the web UI, public (it is
// the sign-in page; everything it shows comes from the API, which checks the caller).
namespace dokkerr::http {
class Router;
}

namespace dokkerr::web {

class WebAssets;

// `assets` must outlive the router.
void add_web_routes(http::Router& router, const WebAssets& assets);

// The page's policy: scripts, styles and connections (fetch, same-origin WebSockets) from this
// origin only; nothing inline, no plugins, no framing, no <base> or foreign form targets.
inline constexpr const char* kPageContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

}  // namespace dokkerr::web
