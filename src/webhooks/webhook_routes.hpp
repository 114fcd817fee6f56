#pragma once
// /api/v1/webhooks: outbound event subscriptions and their delivery logs
// (docs/api/v1.md#event-webhooks).
namespace dokkerr::http {
class Router;
}

namespace dokkerr::webhooks {

class WebhookService;

void add_webhook_routes(http::Router& router, WebhookService& webhooks);

}  // namespace dokkerr::webhooks
