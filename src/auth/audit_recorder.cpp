#include "auth/audit_recorder.hpp"

#include "audit/audit_log.hpp"
#include "core/blocking_pool.hpp"
#include "core/error.hpp"
#include "core/logger.hpp"
#include "core/permissions.hpp"

#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <vector>

namespace dokkerr::auth {
namespace {

namespace asio = boost::asio;
using http::RequestContext;
using http::Reply;
using http::Verb;

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    const auto end = path.find('/', start);
    const auto stop = end == std::string_view::npos ? path.size() : end;
    out.push_back(path.substr(start, stop - start));
    start = stop;
  }
  return out;
}

bool is_param(std::string_view segment) { return segment.starts_with('{'); }

audit::AuditFilter filter_from(const http::QueryParams& query) {
  audit::AuditFilter filter;
  filter.actor_id = query.get("actor_id");
  filter.action = query.get("action");
  filter.result = query.get("result");
  filter.team_id = query.get("team_id");
  filter.org_id = query.get("org_id");
  filter.since = query.get("since");
  filter.until = query.get("until");
  return filter;
}

}  // namespace

std::string action_name(Verb verb, std::string_view pattern) {
  const auto parts = segments(pattern);
  std::string name;
  bool last_is_param = false;
  bool previous_is_param = false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto part = parts[i];
    if (part == "api" || part == "v1") continue;
    if (part == "environments" && i + 2 < parts.size()) {
      ++i;  // "environments/{env}/…": the environment is part of the target, not of the action
      continue;
    }
    previous_is_param = last_is_param;
    last_is_param = is_param(part);
    if (last_is_param) continue;
    if (!name.empty()) name += '.';
    name += part;
  }
  if (!last_is_param && previous_is_param && verb == Verb::post) return name;  // …/{id}/start
  switch (verb) {
    case Verb::post: return name + ".create";
    case Verb::put: return name + ".put";
    case Verb::patch: return name + ".update";
    case Verb::delete_: return name + ".delete";
    default: return name + "." + std::string(boost::beast::http::to_string(verb));
  }
}

asio::awaitable<void> AuditRecorder::record(AuditRecord record) {
  audit::AuditEvent event;
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

asio::awaitable<void> AuditRecorder::observe(const RequestContext& context, const http::Route& route,
                                             unsigned status, const Error* failure) {
  const auto verb = context.request.method();
  if (verb == Verb::get || verb == Verb::head || !context.principal) co_return;
  AuditRecord entry;
  entry.action = action_name(verb, route.pattern);
  entry.result = status < 400 ? "success" : (status == 403 ? "denied" : "failure");
  entry.target = std::string(context.request.target().substr(0, 512));
  entry.client = ClientInfo{context.remote_address, "", context.request_id};
  set_actor(entry, *context.principal);
  if (const auto team = context.query.get("team")) entry.team_id = *team;
  boost::json::object detail{{"status", status}};
  if (failure != nullptr) {
    detail["code"] = failure->code();
    detail["detail"] = failure->detail().substr(0, 300);
  }
  entry.detail_json = boost::json::serialize(detail);
  co_await record(std::move(entry));
}

void add_audit_routes(http::Router& router, audit::AuditLog& log, BlockingPool& pool) {
  const http::RouteOptions needs{std::string(perm::audit_read), std::nullopt};
  router.add(Verb::get, "/api/v1/audit", [&log, &pool](RequestContext& c) -> asio::awaitable<Reply> {
    const auto limit = static_cast<std::size_t>(c.query.integer("limit", 100, 1, 1000));
    auto list = [&log, &c, limit] {
      const auto page = log.list(filter_from(c.query), limit, c.query.get("cursor").value_or(""));
      std::string out = R"({"items":[)";
      for (std::size_t i = 0; i < page.items.size(); ++i) {
        if (i > 0) out += ',';
        out += audit::to_json(page.items[i]);
      }
      out += R"(],"next_cursor":)";
      out += page.next_cursor ? boost::json::serialize(boost::json::value(*page.next_cursor)) : "null";
      return out + "}";
    };
    co_return http::json_response(http::Status::ok, co_await pool.run(list));
  }, needs);
  router.add(Verb::get, "/api/v1/audit/export", [&log, &pool](RequestContext& c) -> asio::awaitable<Reply> {
    // The export is assembled on the pool and bounded: past 64 MiB, narrow the filter.
    auto collect = [&log, &c] {
      std::string out;
      log.export_jsonl(filter_from(c.query), [&out](std::string_view line) {
        if (out.size() + line.size() > 64U * 1024U * 1024U) {
          throw Error::invalid("export_too_large",
                               "The export exceeds 64 MiB; narrow it with since/until.");
        }
        out += line;
      });
      return out;
    };
    auto body = co_await pool.run(collect);
    http::Response response{http::Status::ok, 11};
    response.set(boost::beast::http::field::content_type, "application/x-ndjson");
    response.set(boost::beast::http::field::content_disposition, "attachment; filename=\"audit.jsonl\"");
    response.body() = std::move(body);
    response.prepare_payload();
    co_return response;
  }, needs);
  router.add(Verb::get, "/api/v1/audit/verify", [&log, &pool](RequestContext& c) -> asio::awaitable<Reply> {
    auto verify = [&log, &c] {
      const auto anchor = c.query.get("anchor");
      const auto report = anchor ? log.verify(std::string_view(*anchor)) : log.verify();
      boost::json::object out{{"ok", report.ok}, {"entries", report.entries}, {"head", log.head()}};
      out["first_bad_seq"] = report.first_bad_seq ? boost::json::value(*report.first_bad_seq)
                                                  : boost::json::value(nullptr);
      out["problem"] = report.problem;
      return boost::json::serialize(out);
    };
    co_return http::json_response(http::Status::ok, co_await pool.run(verify));
  }, needs);
}

}  // namespace dokkerr::auth
