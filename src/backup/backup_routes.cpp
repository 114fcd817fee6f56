#include "backup/backup_routes.hpp"

#include "backup/audit_archives.hpp"
#include "backup/backup_schedules.hpp"
#include "backup/image_backups.hpp"
#include "backup/log_archives.hpp"
#include "backup/platform_jobs.hpp"
#include "backup/volume_backups.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "core/permissions.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::backup {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;
using http::RequestContext;
using http::Verb;

// What a run's target is called in its JSON: the volume, image or container it copied.
std::string_view target_field(std::string_view kind) {
  if (kind == "image") return "image";
  if (kind == "logs") return "container";
  return "volume";
}

bj::object to_json(const BackupRun& run) {
  return {
      {"id", run.id},
      {"kind", run.kind},
      {"team_id", run.team_id},
      {"environment", run.environment},
      {target_field(run.kind),
       run.kind == "platform" || run.kind == "audit" ? bj::value(nullptr) : bj::value(run.target)},
      {"status", run.status},
      {"size_bytes", run.size_bytes},
      {"sha256", run.sha256},
      {"error", run.error},
      {"object_key", run.object_key},
      {"created_by", run.created_by},
      {"started_at", run.started_at},
      {"finished_at", run.finished_at.empty() ? bj::value(nullptr) : bj::value(run.finished_at)},
      {"duration_ms", run.duration_ms}};
}

// ?environment=&<target>=&limit=&cursor= of the run lists.
BackupRunFilter filter_of(const RequestContext& c, std::string_view target) {
  BackupRunFilter filter;
  filter.environment = c.query.get("environment");
  filter.target = c.query.get(target);
  filter.limit = static_cast<std::size_t>(c.query.integer("limit", 50, 1, 200));
  filter.after = c.query.get("cursor");
  return filter;
}

std::string page_json(const Page<BackupRun>& page) {
  bj::array items;
  for (const auto& run : page.items) items.push_back(to_json(run));
  return bj::serialize(bj::object{
      {"items", std::move(items)},
      {"next_cursor", page.next_cursor ? bj::value(*page.next_cursor) : bj::value(nullptr)}});
}

bj::object to_json(const BackupSchedule& s) {
  return {{"id", s.id},
          {"kind", s.kind},
          {"team_id", s.team_id},
          {"environment", s.environment},
          {s.kind == "logs" ? "container" : "volume",
           s.kind == "volume" || s.kind == "logs" ? bj::value(s.target) : bj::value(nullptr)},
          {"cron", s.cron},
          {"keep_last", s.keep_last},
          {"keep_daily", s.keep_daily},
          {"keep_weekly", s.keep_weekly},
          {"enabled", s.enabled},
          {"created_by", s.created_by},
          {"created_at", s.created_at},
          {"next_run_at",
           s.enabled ? bj::value(format_rfc3339(TimePoint(std::chrono::seconds(s.next_run_unix))))
                     : bj::value(nullptr)},
          {"last_run_id", s.last_run_id.empty() ? bj::value(nullptr) : bj::value(s.last_run_id)},
          {"last_status", s.last_status.empty() ? bj::value(nullptr) : bj::value(s.last_status)}};
}

// Authenticated at the route: which permission a schedule needs depends on its kind, and the
// service checks it.
void add_schedule_routes(http::Router& router, BackupScheduleService& schedules) {
  router.add(
      Verb::get, "/api/v1/backups/schedules",
      [&schedules](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto items = co_await schedules.list(c.caller());
        bj::array out;
        for (const auto& s : items) out.push_back(to_json(s));
        co_return http::ok(bj::serialize(bj::object{{"items", std::move(out)}}));
      },
      http::needs(http::access::kAuthenticated));
  router.add(
      Verb::post, "/api/v1/backups/schedules",
      [&schedules](RequestContext& c) -> asio::awaitable<http::Reply> {
        auto body = json::parse_object(c.request.body());
        const auto created = co_await schedules.create(c.caller(), std::move(body));
        co_return http::created(bj::serialize(to_json(created)));
      },
      http::needs(http::access::kAuthenticated).audited("backups.schedules.create"));
  router.add(
      Verb::get, "/api/v1/backups/schedules/{id}",
      [&schedules](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto s = co_await schedules.get(c.caller(), c.param("id"));
        co_return http::ok(bj::serialize(to_json(s)));
      },
      http::needs(http::access::kAuthenticated));
  router.add(
      Verb::patch, "/api/v1/backups/schedules/{id}",
      [&schedules](RequestContext& c) -> asio::awaitable<http::Reply> {
        auto body = json::parse_object(c.request.body());
        const auto s = co_await schedules.update(c.caller(), c.param("id"), std::move(body));
        co_return http::ok(bj::serialize(to_json(s)));
      },
      http::needs(http::access::kAuthenticated).audited("backups.schedules.update"));
  router.add(
      Verb::delete_, "/api/v1/backups/schedules/{id}",
      [&schedules](RequestContext& c) -> asio::awaitable<http::Reply> {
        co_await schedules.remove(c.caller(), c.param("id"));
        co_return http::no_content();
      },
      http::needs(http::access::kAuthenticated).audited("backups.schedules.delete"));
  router.add(
      Verb::post, "/api/v1/backups/schedules/{id}/run",
      [&schedules](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto run = co_await schedules.run_now(c.caller(), c.param("id"));
        co_return http::created(bj::serialize(to_json(run)));
      },
      http::needs(http::access::kAuthenticated).audited("backups.schedules.run"));
}

void add_platform_routes(http::Router& router, PlatformBackupJobs& platform) {
  router.add(
      Verb::get, "/api/v1/backups/platform",
      [&platform](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto limit = static_cast<std::size_t>(c.query.integer("limit", 50, 1, 500));
        const auto runs = co_await platform.runs(limit);
        bj::array items;
        for (const auto& run : runs) items.push_back(to_json(run));
        co_return http::ok(bj::serialize(bj::object{{"items", std::move(items)}}));
      },
      http::needs(perm::backups_manage));
  router.add(
      Verb::post, "/api/v1/backups/platform",
      [&platform](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto run = co_await platform.run(c.caller().user_id);
        co_return http::created(bj::serialize(to_json(run)));
      },
      http::needs(perm::backups_manage).audited("backups.platform.create"));
  router.add(
      Verb::delete_, "/api/v1/backups/platform/{id}",
      [&platform](RequestContext& c) -> asio::awaitable<http::Reply> {
        co_await platform.remove(c.param("id"));
        co_return http::no_content();
      },
      http::needs(perm::backups_manage).audited("backups.platform.delete"));
}

void add_image_routes(http::Router& router, ImageBackupService& images) {
  router.add(
      Verb::get, "/api/v1/backups/images",
      [&images](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto limit = static_cast<std::size_t>(c.query.integer("limit", 50, 1, 500));
        const auto runs = co_await images.list(limit);
        bj::array items;
        for (const auto& run : runs) items.push_back(to_json(run));
        co_return http::ok(bj::serialize(bj::object{{"items", std::move(items)}}));
      },
      http::needs(perm::images_manage));
  router.add(
      Verb::post, "/api/v1/backups/images",
      [&images](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto body = json::parse_object(c.request.body());
        json::only_fields(body, {"environment", "image"});
        auto environment = json::optional_string(body, "environment").value_or("local");
        auto image = json::required_string(body, "image");
        const auto run =
            co_await images.back_up(c.caller(), std::move(environment), std::move(image));
        co_return http::created(bj::serialize(to_json(run)));
      },
      http::needs(perm::images_manage).audited("backups.images.create"));
  router.add(
      Verb::post, "/api/v1/backups/images/{id}/restore",
      [&images](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto body = json::parse_object(c.request.body(), true);
        json::only_fields(body, {"environment"});
        const auto run =
            co_await images.restore(c.param("id"), json::optional_string(body, "environment"));
        co_return http::created(
            bj::serialize(bj::object{{"backup", to_json(run)}, {"image", run.target}}));
      },
      http::needs(perm::images_manage).audited("backups.images.restore"));
  router.add(
      Verb::delete_, "/api/v1/backups/images/{id}",
      [&images](RequestContext& c) -> asio::awaitable<http::Reply> {
        co_await images.remove(c.param("id"));
        co_return http::no_content();
      },
      http::needs(perm::images_manage).audited("backups.images.delete"));
}

void add_audit_archive_routes(http::Router& router, AuditArchiver& archiver) {
  router.add(
      Verb::get, "/api/v1/backups/audit",
      [&archiver](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto limit = static_cast<std::size_t>(c.query.integer("limit", 50, 1, 500));
        const auto runs = co_await archiver.runs(limit);
        bj::array items;
        for (const auto& run : runs) items.push_back(to_json(run));
        co_return http::ok(bj::serialize(bj::object{{"items", std::move(items)}}));
      },
      http::needs(perm::backups_manage));
  router.add(
      Verb::post, "/api/v1/backups/audit",
      [&archiver](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto run = co_await archiver.archive(c.caller().user_id);
        co_return http::created(bj::serialize(to_json(run)));
      },
      http::needs(perm::backups_manage).audited("backups.audit.create"));
  router.add(
      Verb::get, "/api/v1/backups/audit/verify",
      [&archiver](RequestContext&) -> asio::awaitable<http::Reply> {
        const auto report = co_await archiver.verify();
        co_return http::ok(bj::serialize(bj::object{
            {"ok", report.ok},
            {"archives", report.archives},
            {"entries", report.entries},
            {"first_bad_seq",
             report.first_bad_seq ? bj::value(*report.first_bad_seq) : bj::value(nullptr)},
            {"problem", report.problem},
            {"anchor", report.anchor.empty() ? bj::value(nullptr) : bj::value(report.anchor)}}));
      },
      http::needs(perm::backups_manage));
}

void add_log_archive_routes(http::Router& router, LogArchiveService& logs) {
  router.add(
      Verb::get, "/api/v1/backups/logs",
      [&logs](RequestContext& c) -> asio::awaitable<http::Reply> {
        auto filter = filter_of(c, "container");
        co_return http::ok(page_json(co_await logs.list(c.caller(), std::move(filter))));
      },
      http::needs(perm::containers_logs));
  router.add(
      Verb::post, "/api/v1/backups/logs",
      [&logs](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto body = json::parse_object(c.request.body());
        json::only_fields(body, {"environment", "container"});
        auto environment = json::optional_string(body, "environment").value_or("local");
        auto container = json::required_string(body, "container");
        const auto run =
            co_await logs.archive(c.caller(), std::move(environment), std::move(container));
        co_return http::created(bj::serialize(to_json(run)));
      },
      http::needs(perm::containers_logs).audited("backups.logs.create"));
  router.add(
      Verb::get, "/api/v1/backups/logs/{id}/content",
      [&logs](RequestContext& c) -> asio::awaitable<http::Reply> {
        auto bytes = co_await logs.content(c.caller(), c.param("id"));
        http::Response res{http::Status::ok, 11};
        res.set(boost::beast::http::field::content_type, "application/gzip");
        res.set(boost::beast::http::field::content_disposition,
                "attachment; filename=\"" + c.param("id") + ".jsonl.gz\"");
        res.body() = std::move(bytes);
        res.prepare_payload();
        co_return res;
      },
      http::needs(perm::containers_logs));
  router.add(
      Verb::delete_, "/api/v1/backups/logs/{id}",
      [&logs](RequestContext& c) -> asio::awaitable<http::Reply> {
        co_await logs.remove(c.caller(), c.param("id"));
        co_return http::no_content();
      },
      http::needs(perm::containers_logs).audited("backups.logs.delete"));
}

}  // namespace

void add_backup_routes(http::Router& router, const BackupServices& services) {
  VolumeBackupService& service = services.volumes;
  add_schedule_routes(router, services.schedules);
  add_platform_routes(router, services.platform);
  add_image_routes(router, services.images);
  add_audit_archive_routes(router, services.audit);
  add_log_archive_routes(router, services.logs);
  router.add(
      Verb::get, "/api/v1/backups/volumes",
      [&service](RequestContext& c) -> asio::awaitable<http::Reply> {
        auto filter = filter_of(c, "volume");
        co_return http::ok(page_json(co_await service.list(c.caller(), std::move(filter))));
      },
      http::needs(perm::volumes_read));
  router.add(
      Verb::post, "/api/v1/backups/volumes",
      [&service](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto body = json::parse_object(c.request.body());
        json::only_fields(body, {"environment", "volume"});
        auto environment = json::optional_string(body, "environment").value_or("local");
        auto volume = json::required_string(body, "volume");
        const auto run =
            co_await service.back_up(c.caller(), std::move(environment), std::move(volume));
        co_return http::created(bj::serialize(to_json(run)));
      },
      http::needs(perm::volumes_create).audited("backups.volumes.create"));
  router.add(
      Verb::get, "/api/v1/backups/volumes/{id}",
      [&service](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto run = co_await service.get(c.caller(), c.param("id"));
        co_return http::ok(bj::serialize(to_json(run)));
      },
      http::needs(perm::volumes_read));
  router.add(
      Verb::post, "/api/v1/backups/volumes/{id}/restore",
      [&service](RequestContext& c) -> asio::awaitable<http::Reply> {
        const auto body = json::parse_object(c.request.body());
        json::only_fields(body, {"environment", "volume"});
        VolumeRestore request{json::optional_string(body, "environment"),
                              json::required_string(body, "volume")};
        const auto result = co_await service.restore(c.caller(), c.param("id"), std::move(request));
        co_return http::created(bj::serialize(bj::object{{"backup", to_json(result.run)},
                                                         {"environment", result.environment},
                                                         {"volume", result.volume},
                                                         {"created", result.created},
                                                         {"bytes", result.bytes}}));
      },
      http::needs(perm::volumes_create).audited("backups.volumes.restore"));
  router.add(
      Verb::delete_, "/api/v1/backups/volumes/{id}",
      [&service](RequestContext& c) -> asio::awaitable<http::Reply> {
        co_await service.remove(c.caller(), c.param("id"));
        co_return http::no_content();
      },
      http::needs(perm::volumes_delete).audited("backups.volumes.delete"));
}

}  // namespace dokkerr::backup
