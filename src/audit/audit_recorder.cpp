#include "audit/audit_recorder.hpp"

#include "audit/audit_log.hpp"
#include "core/blocking_pool.hpp"
#include "core/error.hpp"
#include "core/logger.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::audit {

namespace asio = boost::asio;

asio::awaitable<void> AuditRecorder::record(AuditRecord record) {
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
  auto append = [this, event = std::move(event)] { log_.append(event); };
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

asio::awaitable<void> AuditRecorder::observe(const http::Exchange& exchange) {
  const auto& context = exchange.context;
  if (!context.principal || exchange.route == nullptr) co_return;
  const auto& route = *exchange.route;
  const auto* failure = exchange.failure ? &*exchange.failure : nullptr;
  AuditRecord entry;
  set_actor(entry, *context.principal);
  entry.client = ClientInfo{context.remote_address, "", context.request_id};
  if (exchange.stage == http::StageName::authorize && failure != nullptr &&
      failure->code() == "permission_denied") {
    entry.action = "access.denied";
    entry.result = "denied";
    entry.detail_json = boost::json::serialize(
        boost::json::object{{"permission", route.options.permission}, {"route", route.pattern}});
    co_await record(std::move(entry));
    co_return;
  }
  if (exchange.stage != http::StageName::dispatch || route.options.audit_action.empty()) co_return;
  entry.action = route.options.audit_action;
  entry.result = std::string(audit_result(failure, exchange.status));
  entry.target = std::string(context.request.target().substr(0, 512));
  if (const auto team = context.query.get("team")) entry.team_id = *team;
  boost::json::object detail{{"status", exchange.status}};
  if (failure != nullptr) {
    detail["code"] = failure->code();
    detail["detail"] = failure->detail().substr(0, 300);
  }
  entry.detail_json = boost::json::serialize(detail);
  co_await record(std::move(entry));
}

}  // namespace dokkerr::audit
