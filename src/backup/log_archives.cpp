#include "backup/log_archives.hpp"

#include "backup/gzip_stream.hpp"
#include "backup/team_access.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/permissions.hpp"
#include "crypto/primitives.hpp"
#include "docker/client.hpp"
#include "docker/errors.hpp"
#include "docker/streams.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>
#include <map>

namespace dokkerr::backup {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;

constexpr std::size_t kMaxLine = 64U * 1024U;
constexpr std::size_t kFlush = std::size_t{1} << 20U;

Error run_not_found() {
  return Error::not_found("backup_not_found", "No such backup.");
}

// "2026-12-07T02:30:00.123Z" as the engine's since/until take it: seconds.nanoseconds.
std::string engine_time(const std::string& stamp) {
  const auto at = parse_stamp(stamp);
  if (!at) return "0";
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(at->time_since_epoch()).count();
  std::string fraction = std::to_string(ns % 1'000'000'000);
  fraction.insert(0, 9 - fraction.size(), '0');
  return std::to_string(ns / 1'000'000'000) + "." + fraction;
}

// Turns the engine's log output into JSON lines: one per logged line, split per stream, the
// engine's timestamp taken off the front; a line longer than kMaxLine is cut into pieces.
class LogLines {
 public:
  explicit LogLines(bool tty) : tty_(tty) {}

  void feed(std::string_view bytes, std::string& out) {
    if (tty_) {
      take("stdout", bytes, out);
      return;
    }
    for (auto& frame : demuxer_.feed(bytes)) {
      const char* stream = frame.stream == docker::StreamKind::stderr_ ? "stderr" : "stdout";
      take(stream, frame.payload, out);
    }
  }

  void finish(std::string& out) {
    for (auto& [stream, pending] : pending_) {
      if (!pending.empty()) emit(stream, pending, out);
      pending.clear();
    }
  }

  [[nodiscard]] std::int64_t lines() const { return lines_; }

 private:
  void take(const std::string& stream, std::string_view bytes, std::string& out) {
    auto& pending = pending_[stream];
    for (const char c : bytes) {
      if (c == '\n') {
        emit(stream, pending, out);
        pending.clear();
        continue;
      }
      pending += c;
      if (pending.size() >= kMaxLine) {
        emit(stream, pending, out);
        pending.clear();
      }
    }
  }

  void emit(const std::string& stream, const std::string& text, std::string& out) {
    std::string_view line = text;
    if (line.ends_with('\r')) line.remove_suffix(1);
    std::string time;
    const auto space = line.find(' ');
    if (space != std::string_view::npos && space >= 20 &&
        line.substr(0, 4).find_first_not_of("0123456789") == std::string_view::npos) {
      time = std::string(line.substr(0, space));
      line.remove_prefix(space + 1);
    }
    out += bj::serialize(bj::object{{"time", time}, {"stream", stream}, {"line", line}});
    out += '\n';
    ++lines_;
  }

  bool tty_;
  docker::FrameDemuxer demuxer_;
  std::map<std::string, std::string> pending_;
  std::int64_t lines_ = 0;
};

}  // namespace

LogArchiveService::LogArchiveService(BackupRunStore& runs, VolumeHost& engines,
                                     objects::ObjectStore& objects, BlockingPool& pool,
                                     const Clock& clock)
    : runs_(runs), engines_(engines), objects_(objects), pool_(pool), clock_(clock) {}

asio::awaitable<BackupRun> LogArchiveService::archive(const Principal& caller,
                                                      std::string environment,
                                                      std::string container) {
  const auto ref =
      co_await engines_.resolve_container(caller, environment, container, perm::containers_logs);
  BackupRun run = new_run("logs", caller.user_id, clock_);
  run.team_id = ref.team_id;
  run.environment = ref.environment;
  run.target = ref.id;
  // From where the previous archive of this container stopped.
  auto previous = [this, &run] {
    BackupRunFilter filter;
    filter.kind = "logs";
    filter.environment = run.environment;
    filter.target = run.target;
    filter.limit = 20;
    std::string since;
    for (const auto& earlier : runs_.list(filter)) {
      if (earlier.status == "succeeded") {
        since = earlier.started_at;
        break;
      }
    }
    runs_.insert(run);
    return since;
  };
  const std::string since = co_await pool_.run(previous);
  const auto started = std::chrono::steady_clock::now();
  auto engine = engines_.engine(run.environment);
  const std::string key = "logs/" + run.environment + "/" + run.target + "/" + run.id + ".jsonl.gz";
  std::unique_ptr<objects::ObjectWriter> writer;
  std::exception_ptr failure;
  try {
    auto open = [this, &key] { return objects_.create(key); };
    writer = co_await pool_.run(open);
    std::string target =
        "/containers/" + run.target +
        "/logs?stdout=1&stderr=1&timestamps=1&until=" + engine_time(run.started_at);
    if (!since.empty()) target += "&since=" + engine_time(since);
    auto logs = co_await engine->stream(docker::Verb::get, std::move(target));
    if (logs->status() != 200) {
      std::string body = co_await logs->read_all(4096);
      throw docker::map_engine_error(logs->status(), body, "container");
    }
    LogLines lines(ref.tty);
    GzipCompressor gzip;
    crypto::Sha256Stream sha;
    std::string json;
    std::int64_t size = 0;
    auto pack = [&](bool last) {
      auto bytes = gzip.update(json);
      if (last) bytes += gzip.finish();
      json.clear();
      if (bytes.empty()) return;
      sha.update(bytes);
      size += static_cast<std::int64_t>(bytes.size());
      writer->write(bytes);
    };
    auto pack_more = [&pack] { pack(false); };
    auto pack_last = [&pack, &lines, &json] {
      lines.finish(json);
      pack(true);
    };
    while (auto piece = co_await logs->read_some()) {
      lines.feed(*piece, json);
      if (json.size() >= kFlush) co_await pool_.run(pack_more);
    }
    co_await pool_.run(pack_last);
    auto commit = [&writer] { writer->commit(); };
    co_await pool_.run(commit);
    run.object_key = key;
    run.size_bytes = size;
    run.sha256 = sha.hex();
  } catch (...) {
    failure = std::current_exception();
  }
  co_await settle_run(runs_, pool_, clock_, run, writer.get(), failure, started);
  if (failure) std::rethrow_exception(failure);
  co_return run;
}

asio::awaitable<BackupRun> LogArchiveService::visible_run(const Principal& caller,
                                                          std::string run_id) {
  auto load = [this, &run_id] { return runs_.get(run_id); };
  auto run = co_await pool_.run(load);
  if (!run || run->kind != "logs") throw run_not_found();
  check_team_access(caller, run->team_id, perm::containers_logs, run_not_found());
  co_return *run;
}

asio::awaitable<Page<BackupRun>> LogArchiveService::list(const Principal& caller,
                                                         BackupRunFilter filter) {
  if (!caller.is_admin) filter.teams = caller.teams_with(perm::containers_logs);
  filter.kind = "logs";
  auto load = [this, &filter] { return page_of(runs_, filter); };
  co_return co_await pool_.run(load);
}

asio::awaitable<std::string> LogArchiveService::content(const Principal& caller,
                                                        std::string run_id) {
  const auto run = co_await visible_run(caller, std::move(run_id));
  if (run.status != "succeeded") throw run_not_found();
  if (static_cast<std::uint64_t>(run.size_bytes) > kMaxLogDownloadBytes) {
    throw Error{ErrorKind::payload_too_large, "log_archive_too_large",
                "This archive is larger than 64 MiB; fetch it from the object store."};
  }
  auto load = [this, &run] { return objects_.get_all(run.object_key, kMaxLogDownloadBytes); };
  co_return co_await pool_.run(load);
}

asio::awaitable<void> LogArchiveService::remove(const Principal& caller, std::string run_id) {
  const auto run = co_await visible_run(caller, std::move(run_id));
  auto drop = [this, &run] {
    if (!run.object_key.empty()) objects_.remove(run.object_key);
    runs_.remove(run.id);
  };
  co_await pool_.run(drop);
}

}  // namespace dokkerr::backup
