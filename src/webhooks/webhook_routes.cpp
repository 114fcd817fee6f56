#include "webhooks/webhook_routes.hpp"

#include "core/error.hpp"
#include "core/json.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"
#include "webhooks/webhook_service.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::webhooks {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;
using http::RequestContext;
using http::Verb;

std::string path(std::string_view suffix) { return "/api/v1/webhooks" + std::string(suffix); }

// Who may is the service's to decide (team:manage in the subscription's team).
http::RouteOptions signed_in() { return http::needs(http::access::kAuthenticated); }

// The secret only when it was just made.
bj::object to_json(const Subscription& s, bool with_secret) {
  bj::array events;
  for (const auto& e : s.events) events.emplace_back(e);
  bj::object out{{"id", s.id},
                 {"team_id", s.team_id.empty() ? bj::value(nullptr) : bj::value(s.team_id)},
                 {"name", s.name},
                 {"url", s.url},
                 {"events", std::move(events)},
                 {"enabled", s.enabled},
                 {"created_by", s.created_by},
                 {"created_at", s.created_at}};
  if (with_secret) out["secret"] = s.secret;
  return out;
}

bj::object to_json(const Delivery& d) {
  return {{"id", d.id},
          {"event_id", d.event_id},
          {"event_type", d.event_type},
          {"state", d.state},
          {"attempts", d.attempts},
          {"last_error", d.last_error},
          {"created_at", d.created_at},
          {"finished_at", d.finished_at.empty() ? bj::value(nullptr) : bj::value(d.finished_at)}};
}

std::vector<std::string> events_of(const bj::object& body) {
  const auto* list = json::optional_array(body, "events");
  if (list == nullptr) throw Error::invalid("invalid_body", "Field 'events' is required.");
  std::vector<std::string> out;
  for (const auto& item : *list) {
    if (!item.is_string()) throw Error::invalid("invalid_body", "events: a list of strings.");
    out.emplace_back(item.as_string());
  }
  return out;
}

asio::awaitable<http::Reply> list_webhooks(WebhookService& webhooks, RequestContext& c) {
  const auto items = co_await webhooks.list(c.caller());
  bj::array out;
  for (const auto& s : items) out.push_back(to_json(s, false));
  co_return http::ok(bj::serialize(http::list_object(std::move(out))));
}

asio::awaitable<http::Reply> create_webhook(WebhookService& webhooks, RequestContext& c) {
  const auto body = json::parse_object(c.request.body());
  json::only_fields(body, {"name", "url", "events", "team_id", "enabled"});
  SubscriptionDraft draft;
  draft.name = json::required_string(body, "name");
  draft.url = json::required_string(body, "url");
  draft.events = events_of(body);
  draft.team_id = json::optional_string(body, "team_id").value_or("");
  draft.enabled = json::optional_bool(body, "enabled").value_or(true);
  const auto made = co_await webhooks.create(c.caller(), std::move(draft));
  co_return http::created(bj::serialize(to_json(made, true)));
}

asio::awaitable<http::Reply> get_webhook(WebhookService& webhooks, RequestContext& c) {
  const auto s = co_await webhooks.get(c.caller(), c.param("id"));
  co_return http::ok(bj::serialize(to_json(s, false)));
}

asio::awaitable<http::Reply> update_webhook(WebhookService& webhooks, RequestContext& c) {
  const auto body = json::parse_object(c.request.body());
  json::only_fields(body, {"name", "url", "events", "enabled", "rotate_secret"});
  SubscriptionChange change;
  change.name = json::optional_string(body, "name");
  change.url = json::optional_string(body, "url");
  if (body.contains("events")) change.events = events_of(body);
  change.enabled = json::optional_bool(body, "enabled");
  change.rotate_secret = json::optional_bool(body, "rotate_secret").value_or(false);
  const auto s = co_await webhooks.update(c.caller(), c.param("id"), change);
  co_return http::ok(bj::serialize(to_json(s, change.rotate_secret)));
}

asio::awaitable<http::Reply> delete_webhook(WebhookService& webhooks, RequestContext& c) {
  co_await webhooks.remove(c.caller(), c.param("id"));
  co_return http::no_content();
}

asio::awaitable<http::Reply> list_deliveries(WebhookService& webhooks, RequestContext& c) {
  const auto limit = static_cast<std::size_t>(c.query.integer("limit", 50, 1, 500));
  const auto items = co_await webhooks.deliveries(c.caller(), c.param("id"), limit);
  bj::array out;
  for (const auto& d : items) out.push_back(to_json(d));
  co_return http::ok(bj::serialize(http::list_object(std::move(out))));
}

asio::awaitable<http::Reply> test_webhook(WebhookService& webhooks, RequestContext& c) {
  const auto delivery = co_await webhooks.test(c.caller(), c.param("id"));
  co_return http::json_response(http::Status::accepted, bj::serialize(to_json(delivery)));
}

asio::awaitable<http::Reply> list_event_types(WebhookService&, RequestContext&) {
  bj::array out;
  for (const auto& type : event_types()) out.emplace_back(type);
  co_return http::ok(bj::serialize(http::list_object(std::move(out))));
}

http::Handler with(WebhookService& webhooks,
                   asio::awaitable<http::Reply> (*handler)(WebhookService&, RequestContext&)) {
  return [&webhooks, handler](RequestContext& c) { return handler(webhooks, c); };
}

}  // namespace

// clang-format off
void add_webhook_routes(http::Router& router, WebhookService& webhooks) {
  router.add(Verb::get, path(""), with(webhooks, list_webhooks), signed_in());
  router.add(Verb::get, path("/events"), with(webhooks, list_event_types), signed_in());
  router.add(Verb::post, path(""), with(webhooks, create_webhook), signed_in().audited("webhooks.create"));
  router.add(Verb::get, path("/{id}"), with(webhooks, get_webhook), signed_in());
  router.add(Verb::patch, path("/{id}"), with(webhooks, update_webhook), signed_in().audited("webhooks.update"));
  router.add(Verb::delete_, path("/{id}"), with(webhooks, delete_webhook), signed_in().audited("webhooks.delete"));
  router.add(Verb::get, path("/{id}/deliveries"), with(webhooks, list_deliveries), signed_in());
  router.add(Verb::post, path("/{id}/test"), with(webhooks, test_webhook), signed_in().audited("webhooks.test"));
}
// clang-format on

}  // namespace dokkerr::webhooks
