#pragma once
// GET / (index.html), GET /<top-level file> and GET /assets/{file}: the web UI, public (it is
// the sign-in page; everything it shows comes from the API, which checks the caller).
#include <string>
#include <string_view>

namespace dokkerr::http {
class Router;
}

namespace dokkerr::web {

class WebAssets;

// `assets` must outlive the router.
void add_web_routes(http::Router& router, const WebAssets& assets);

// The page's policy: scripts, styles and connections (fetch, same-origin WebSockets) from this
// origin only; no inline script or style attribute, no plugins, no framing, no <base> or foreign
// form targets. With a nonce, <style> elements that carry it apply too: the terminal library
// adds its own, and the page stamps this answer's nonce on them (web/src/lib/styleNonce.ts).
std::string page_content_security_policy(std::string_view style_nonce);

}  // namespace dokkerr::web
