#include "audit/audit_service.hpp"
#include "audit/routes.hpp"
#include "core/permissions.hpp"
#include "http/responses.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::audit {
namespace {

namespace asio = boost::asio;
using http::Reply;
using http::RequestContext;
using http::Verb;

AuditFilter filter_from(const http::QueryParams& query) {
  AuditFilter filter;
  filter.actor_id = query.get("actor_id");
  filter.action = query.get("action");
  filter.result = query.get("result");
  filter.team_id = query.get("team_id");
  filter.org_id = query.get("org_id");
  filter.since = query.get("since");
  filter.until = query.get("until");
  return filter;
}

std::string report_json(const ChainReport& chain) {
  const auto& report = chain.report;
  boost::json::object out{{"ok", report.ok}, {"entries", report.entries}, {"head", chain.head}};
  out["first_bad_seq"] = report.first_bad_seq ? boost::json::value(*report.first_bad_seq)
                                              : boost::json::value(nullptr);
  out["problem"] = report.problem;
  return boost::json::serialize(out);
}

}  // namespace

void add_audit_routes(http::Router& router, AuditService& audit) {
  const auto readers = http::needs(perm::audit_read);

  // GET
  router.add(
      Verb::get, "/api/v1/audit",
      [&audit](RequestContext& c) -> asio::awaitable<Reply> {
        const auto limit = static_cast<std::size_t>(c.query.integer("limit", 100, 1, 1000));
        const auto page =
            co_await audit.list(filter_from(c.query), limit, c.query.get("cursor").value_or(""));
        std::vector<std::string> items;
        items.reserve(page.items.size());
        for (const auto& entry : page.items) items.push_back(to_json(entry));
        co_return http::ok(http::list_body(items, page.next_cursor));
      },
      readers);
  router.add(
      Verb::get, "/api/v1/audit/export",
      [&audit](RequestContext& c) -> asio::awaitable<Reply> {
        auto response = http::ok(co_await audit.export_jsonl(filter_from(c.query)));
        response.set(boost::beast::http::field::content_type, "application/x-ndjson");
        response.set(boost::beast::http::field::content_disposition,
                     "attachment; filename=\"audit.jsonl\"");
        co_return response;
      },
      readers);
  router.add(
      Verb::get, "/api/v1/audit/verify",
      [&audit](RequestContext& c) -> asio::awaitable<Reply> {
        co_return http::ok(report_json(co_await audit.verify(c.query.get("anchor"))));
      },
      readers);
}

}  // namespace dokkerr::audit
