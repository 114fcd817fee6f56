#include "audit/audit_recorder.hpp"

#include "audit/audit_log.hpp"
#include "core/blocking_pool.hpp"
#include "core/error.hpp"
#include "core/logger.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::audit {

namespace asio = boost::asio;

AuditEvent AuditRecorder::event_of(const AuditRecord& record) const {
  AuditEvent event;
  event.actor_type = record.actor_type;
  event.actor_id = record.actor_id;
  event.actor_name = record.actor_name;
  event.org_id = record.org_id;
  event.team_id = record.team_id;
  event.action = record.action;
  event.target = record.target;
  event.result = record.result;
  event.client_address = record.client.remote_address;
  event.request_id = record.client.request_id;
  event.detail_json = record.detail_json;
  return event;
}

asio::awaitable<void> AuditRecorder::record(AuditRecord record) {
  auto append = [this, event = event_of(record)] { log_.append(event); };
  try {
    co_await pool_.run(std::move(append));
  } catch (const std::exception& error) {
    logger_.error("audit append failed", {{"action", record.action}, {"error", error.what()}});
  }
}

std::string_view audit_result(const Error* failure, unsigned status) {
  if (failure != nullptr) return failure->kind() == ErrorKind::forbidden ? "denied" : "failure";
  return status < 400 ? "success" : "failure";
}

namespace {

// The fields the intent and the outcome of one request share.
AuditRecord request_entry(const http::Exchange& exchange) {
  const auto& context = exchange.context;
  AuditRecord entry;
  set_actor(entry, *context.principal);
  entry.client = ClientInfo{context.remote_address, "", context.request_id};
  entry.action = exchange.route->options.audit_action;
  entry.target = std::string(context.request.target().substr(0, 512));
  if (const auto team = context.query.get("team")) entry.team_id = *team;
  return entry;
}

}  // namespace

asio::awaitable<std::optional<Error>> AuditRecorder::intend(const http::Exchange& exchange) {
  if (!exchange.context.principal || exchange.route == nullptr) co_return std::nullopt;
  auto entry = request_entry(exchange);
  entry.result = "intent";
  entry.detail_json = boost::json::serialize(
      boost::json::object{{"method", std::string(exchange.context.request.method_string())}});
  auto append = [this, event = event_of(entry)] { log_.append(event); };
  std::optional<std::string> failure;
  try {
    co_await pool_.run(std::move(append));
  } catch (const std::exception& error) {
    failure = error.what();
  }
  if (!failure) co_return std::nullopt;
  logger_.error(
      "audit intent not written; request refused",
      {{"action", entry.action}, {"request_id", exchange.context.request_id}, {"error", *failure}});
  co_return Error::unavailable(
      "audit_unavailable",
      "The audit log cannot be written, so nothing was done; try again later.");
}

asio::awaitable<void> AuditRecorder::observe(const http::Exchange& exchange) {
  const auto& context = exchange.context;
  if (!context.principal || exchange.route == nullptr) co_return;
  const auto& route = *exchange.route;
  const auto* failure = exchange.failure ? &*exchange.failure : nullptr;
  AuditRecord entry;
  set_actor(entry, *context.principal);
  entry.client = ClientInfo{context.remote_address, "", context.request_id};
  // A permission refused to a caller outside the organization or team is answered as a 404.
  const bool hidden_denial = failure != nullptr && !route.options.hidden_param.empty() &&
                             failure->kind() == ErrorKind::not_found;
  if (exchange.stage == http::StageName::authorize && failure != nullptr &&
      (failure->code() == "permission_denied" || hidden_denial)) {
    entry.action = "access.denied";
    entry.result = "denied";
    entry.detail_json = boost::json::serialize(
        boost::json::object{{"permission", route.options.permission}, {"route", route.pattern}});
    co_await record(std::move(entry));
    co_return;
  }
  if (exchange.stage != http::StageName::dispatch || route.options.audit_action.empty()) co_return;
  entry = request_entry(exchange);
  entry.result = std::string(audit_result(failure, exchange.status));
  boost::json::object detail{{"status", exchange.status}};
  if (failure != nullptr) {
    detail["code"] = failure->code();
    detail["detail"] = failure->detail().substr(0, 300);
  }
  entry.detail_json = boost::json::serialize(detail);
  co_await record(std::move(entry));
}

}  // namespace dokkerr::audit
