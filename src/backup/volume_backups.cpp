#include "backup/volume_backups.hpp"

#include "backup/archive_transfer.hpp"
#include "backup/team_access.hpp"
#include "core/error.hpp"
#include "core/permissions.hpp"
#include "crypto/primitives.hpp"
#include "docker/client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <exception>

namespace dokkerr::backup {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;

Error run_not_found() {
  return Error::not_found("backup_not_found", "No such backup.");
}

Error engine_refused(const std::string& what, const docker::EngineResponse& answer) {
  return {ErrorKind::bad_gateway, "volume_archive_failed", "The engine could not " + what + ".",
          "HTTP " + std::to_string(answer.status) + " " + answer.body.substr(0, 500)};
}

// Docker's rule for volume names.
bool valid_volume_name(std::string_view name) {
  if (name.size() < 2 || name.size() > 255) return false;
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
}

// The engine's archive of an empty directory is its own header and then the end blocks: the
// second 512-byte block is all zeros.
bool archive_is_empty_directory(std::string_view first_bytes) {
  if (first_bytes.size() < 1024) return first_bytes.size() <= 512;
  const auto second = first_bytes.substr(512, 512);
  return std::all_of(second.begin(), second.end(), [](char c) { return c == '\0'; });
}

}  // namespace

VolumeBackupService::VolumeBackupService(BackupRunStore& runs, VolumeHost& host,
                                         objects::ObjectStore& objects, BlockingPool& pool,
                                         const Clock& clock, VolumeBackupSettings settings)
    : runs_(runs),
      host_(host),
      objects_(objects),
      pool_(pool),
      clock_(clock),
      settings_(std::move(settings)) {}

asio::awaitable<std::string> VolumeBackupService::helper(docker::Client& engine,
                                                         const std::string& volume,
                                                         bool read_only) {
  std::string image = settings_.helper_image;
  if (image.empty()) {
    const auto images = co_await engine.request(docker::Verb::get, "/images/json");
    if (!images.ok()) throw engine_refused("list its images", images);
    const auto list = bj::parse(images.body);
    if (list.as_array().empty()) {
      throw Error::conflict("backup_helper_image_missing",
                            "The engine has no image to make the (never started) helper "
                            "container from; pull any image or set --backup-helper-image.");
    }
    image = list.as_array().front().as_object().at("Id").as_string();
  }
  const bj::object body{
      {"Image", image},
      {"Cmd", bj::array{"/dokkerr-volume-helper-never-started"}},
      {"NetworkDisabled", true},
      {"Labels", bj::object{{"io.dokkerr.helper", "volume-backup"}}},
      {"HostConfig", bj::object{{"NetworkMode", "none"},
                                {"Mounts", bj::array{bj::object{{"Type", "volume"},
                                                                {"Source", volume},
                                                                {"Target", "/volume"},
                                                                {"ReadOnly", read_only}}}}}},
  };
  const auto name = "dokkerr-volume-helper-" + crypto::hex_encode(crypto::random_bytes(6));
  const auto created = co_await engine.request(
      docker::Verb::post, "/containers/create?name=" + name, bj::serialize(body));
  if (!created.ok()) throw engine_refused("create the helper container", created);
  co_return std::string(bj::parse(created.body).as_object().at("Id").as_string());
}

namespace {
asio::awaitable<void> remove_helper(docker::Client& engine, std::string id) {
  if (id.empty()) co_return;
  try {
    static_cast<void>(
        co_await engine.request(docker::Verb::delete_, "/containers/" + id + "?force=1&v=0"));
  } catch (const std::exception&) {
    // The engine went away: the helper never ran and holds nothing but a name.
  }
}
}  // namespace

asio::awaitable<BackupRun> VolumeBackupService::back_up(const Principal& caller,
                                                        std::string environment,
                                                        std::string volume) {
  const auto ref = co_await host_.resolve(caller, environment, volume, perm::volumes_create);
  BackupRun run = new_run("volume", caller.user_id, clock_);
  run.team_id = ref.team_id;
  run.environment = ref.environment;
  run.target = ref.name;
  auto insert = [this, &run] { runs_.insert(run); };
  co_await pool_.run(insert);

  const auto started = std::chrono::steady_clock::now();
  auto engine = host_.engine(ref.environment);
  std::string helper_id;
  std::unique_ptr<objects::ObjectWriter> writer;
  std::exception_ptr failure;
  const std::string key = "volumes/" + ref.environment + "/" + ref.name + "/" + run.id + ".tar.gz";
  try {
    // Uploads of runs killed mid-way (a day is longer than any backup takes).
    auto sweep = [this] {
      objects_.drop_abandoned_uploads("volumes/", clock_.unix_seconds() - 24 * 3600);
    };
    co_await pool_.run(sweep);
    helper_id = co_await helper(*engine, ref.name, true);
    auto open = [this, &key] { return objects_.create(key); };
    writer = co_await pool_.run(open);
    auto archive = co_await engine->stream(docker::Verb::get,
                                           "/containers/" + helper_id + "/archive?path=/volume");
    if (archive->status() != 200) {
      std::string error_body = co_await archive->read_all(4096);
      const docker::EngineResponse answer{archive->status(), "", std::move(error_body)};
      throw engine_refused("read the volume", answer);
    }
    const auto packed = co_await pack_into(*archive, *writer, pool_);
    auto commit = [&writer] { writer->commit(); };
    co_await pool_.run(commit);
    run.object_key = key;
    run.size_bytes = packed.size;
    run.sha256 = packed.sha256;
    // Beside the archive, what it is: enough to find and check it without the database.
    const bj::object manifest{{"kind", "volume"},
                              {"run", run.id},
                              {"environment", run.environment},
                              {"volume", run.target},
                              {"team_id", run.team_id},
                              {"size", run.size_bytes},
                              {"sha256", run.sha256},
                              {"created_at", run.started_at},
                              {"format", "tar.gz"}};
    auto describe = [this, &key, text = bj::serialize(manifest)] {
      objects_.put(key.substr(0, key.size() - 7) + ".json", text);
    };
    co_await pool_.run(describe);
  } catch (...) {
    failure = std::current_exception();
  }
  co_await remove_helper(*engine, helper_id);
  co_await settle_run(runs_, pool_, clock_, run, writer.get(), failure, started);
  if (failure) std::rethrow_exception(failure);
  co_return run;
}

asio::awaitable<BackupRun> VolumeBackupService::visible_run(const Principal& caller,
                                                            std::string run_id,
                                                            std::string_view permission) {
  auto load = [this, &run_id] { return runs_.get(run_id); };
  auto run = co_await pool_.run(load);
  if (!run || run->kind != "volume") throw run_not_found();
  check_team_access(caller, run->team_id, permission, run_not_found());
  co_return *run;
}

asio::awaitable<BackupRun> VolumeBackupService::get(const Principal& caller, std::string run_id) {
  co_return co_await visible_run(caller, std::move(run_id), perm::volumes_read);
}

asio::awaitable<Page<BackupRun>> VolumeBackupService::list(const Principal& caller,
                                                           BackupRunFilter filter) {
  if (!caller.is_admin) filter.teams = caller.teams_with(perm::volumes_read);
  filter.kind = "volume";
  auto load = [this, &filter] { return page_of(runs_, filter); };
  co_return co_await pool_.run(load);
}

asio::awaitable<void> VolumeBackupService::remove(const Principal& caller, std::string run_id) {
  const auto run = co_await visible_run(caller, std::move(run_id), perm::volumes_delete);
  if (run.status == "running") {
    throw Error::conflict("backup_running", "The backup is still running.");
  }
  auto drop = [this, &run] {
    if (!run.object_key.empty()) {
      objects_.remove(run.object_key);
      objects_.remove(run.object_key.substr(0, run.object_key.size() - 7) + ".json");
    }
    runs_.remove(run.id);
  };
  co_await pool_.run(drop);
}

asio::awaitable<VolumeRestoreResult> VolumeBackupService::restore(const Principal& caller,
                                                                  std::string run_id,
                                                                  VolumeRestore request) {
  const auto run = co_await visible_run(caller, std::move(run_id), perm::volumes_create);
  if (run.status != "succeeded") {
    throw Error::conflict("backup_not_restorable", "Only a backup that succeeded can be restored.");
  }
  if (!valid_volume_name(request.volume)) {
    throw Error::invalid("invalid_volume_name",
                         "volume: 2-255 characters of a-z, A-Z, 0-9, '_', '.', '-', starting "
                         "with a letter or digit.");
  }
  const std::string environment = request.environment.value_or(run.environment);
  VolumeRestoreResult result{run, environment, request.volume, false, 0};
  auto engine = host_.engine(environment);

  // The target: the run's team's own empty volume, or a new one made for that team.
  if (co_await host_.exists(environment, request.volume)) {
    const auto target =
        co_await host_.resolve(caller, environment, request.volume, perm::volumes_create);
    if (target.team_id != run.team_id) {
      throw Error::conflict("restore_team_mismatch",
                            "A backup is restored into a volume of the team it came from.");
    }
  } else {
    const auto teams = caller.teams_in(environment, perm::volumes_create);
    if (!caller.is_admin && !teams.contains(run.team_id)) {
      throw Error::not_found("environment_not_found", "No such environment for this team.");
    }
    co_await host_.create(environment, request.volume, run.team_id);
    result.created = true;
  }

  // The archive, checked against the run before anything is written into the volume.
  const TemporaryFile staging("volume-restore");
  std::string helper_id;
  std::exception_ptr failure;
  try {
    co_await fetch_verified(objects_, run.object_key, run.size_bytes, run.sha256, staging.path(),
                            pool_);
    result.bytes = static_cast<std::uint64_t>(run.size_bytes);

    helper_id = co_await helper(*engine, request.volume, false);
    {
      auto peek = co_await engine->stream(docker::Verb::get,
                                          "/containers/" + helper_id + "/archive?path=/volume");
      std::string first;
      while (first.size() < 1024) {
        auto piece = co_await peek->read_some();
        if (!piece) break;
        first += *piece;
      }
      peek->close();
      if (peek->status() != 200) {
        const docker::EngineResponse refused{peek->status(), "", first.substr(0, 500)};
        throw engine_refused("read the volume", refused);
      }
      if (!archive_is_empty_directory(first)) {
        throw Error::conflict("restore_target_not_empty",
                              "The volume is not empty; restore into a new or empty volume.");
      }
    }
    // Named first: GCC 12 miscompiles braced temporaries inside a co_await expression.
    docker::Headers tar_headers{{"Content-Type", "application/x-tar"}};
    std::string put_target = "/containers/" + helper_id + "/archive?path=/";
    auto upload =
        co_await engine->upload(docker::Verb::put, std::move(put_target), std::move(tar_headers));
    co_await unpack_into(staging.path(), *upload, pool_);
    const auto answer = co_await upload->finish();
    if (!answer.ok()) throw engine_refused("write into the volume", answer);
  } catch (...) {
    failure = std::current_exception();
  }
  co_await remove_helper(*engine, helper_id);
  if (failure && result.created) {
    try {
      co_await host_.remove(environment, request.volume);  // half-filled: not left behind
    } catch (const std::exception&) {
      static_cast<void>(0);  // the restore's own error is the one to report
    }
  }
  if (failure) std::rethrow_exception(failure);
  co_return result;
}

}  // namespace dokkerr::backup
