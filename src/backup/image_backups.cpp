#include "backup/image_backups.hpp"

#include "backup/archive_transfer.hpp"
#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "docker/client.hpp"
#include "http/percent_encoding.hpp"

#include <chrono>

namespace dokkerr::backup {
namespace {

namespace asio = boost::asio;

Error run_not_found() {
  return Error::not_found("backup_not_found", "No such backup.");
}

bool valid_reference(std::string_view ref) {
  if (ref.empty() || ref.size() > 255 || ref.front() == '-' || ref.front() == '/' ||
      ref.front() == '.') {
    return false;
  }
  return std::all_of(ref.begin(), ref.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '/' || c == ':' || c == '@' || c == '-';
  });
}

// One key segment for a reference: registry/repo:tag → registry_repo_tag.
std::string key_segment(std::string_view ref) {
  std::string out(ref);
  for (auto& c : out) {
    if (c == '/' || c == ':' || c == '@') c = '_';
  }
  return out;
}

Error engine_refused(const std::string& what, const docker::EngineResponse& answer) {
  return {ErrorKind::bad_gateway, "image_archive_failed", "The engine could not " + what + ".",
          "HTTP " + std::to_string(answer.status) + " " + answer.body.substr(0, 500)};
}

}  // namespace

ImageBackupService::ImageBackupService(BackupRunStore& runs, VolumeHost& engines,
                                       objects::ObjectStore& objects, BlockingPool& pool,
                                       const Clock& clock)
    : runs_(runs), engines_(engines), objects_(objects), pool_(pool), clock_(clock) {}

asio::awaitable<void> ImageBackupService::require_image(std::string environment,
                                                        std::string image) {
  if (!valid_reference(image)) {
    throw Error::invalid("invalid_reference", "image: not an image reference.");
  }
  auto engine = engines_.engine(environment);
  const std::string path = "/images/" + http::percent_encode(image, true);
  const auto inspect = co_await engine->request(docker::Verb::get, path + "/json");
  if (inspect.status == 404) throw Error::not_found("image_not_found", "No such image.");
  if (!inspect.ok()) throw engine_refused("inspect the image", inspect);
}

asio::awaitable<BackupRun> ImageBackupService::back_up(const Principal& caller,
                                                       std::string environment, std::string image) {
  co_await require_image(environment, image);
  auto engine = engines_.engine(environment);
  const std::string path = "/images/" + http::percent_encode(image, true);

  BackupRun run = new_run("image", caller.user_id, clock_);
  run.environment = environment;
  run.target = image;
  auto insert = [this, &run] { runs_.insert(run); };
  co_await pool_.run(insert);
  const auto started = std::chrono::steady_clock::now();
  const std::string key =
      "images/" + environment + "/" + key_segment(image) + "/" + run.id + ".tar.gz";
  std::unique_ptr<objects::ObjectWriter> writer;
  std::exception_ptr failure;
  try {
    auto open = [this, &key] { return objects_.create(key); };
    writer = co_await pool_.run(open);
    auto saved = co_await engine->stream(docker::Verb::get, path + "/get");
    if (saved->status() != 200) {
      std::string body = co_await saved->read_all(4096);
      const docker::EngineResponse refused{saved->status(), "", std::move(body)};
      throw engine_refused("save the image", refused);
    }
    const auto packed = co_await pack_into(*saved, *writer, pool_);
    auto commit = [&writer] { writer->commit(); };
    co_await pool_.run(commit);
    run.object_key = key;
    run.size_bytes = packed.size;
    run.sha256 = packed.sha256;
  } catch (...) {
    failure = std::current_exception();
  }
  co_await settle_run(runs_, pool_, clock_, run, writer.get(), failure, started);
  if (failure) std::rethrow_exception(failure);
  co_return run;
}

asio::awaitable<BackupRun> ImageBackupService::load_run(std::string run_id) {
  auto load = [this, &run_id] { return runs_.get(run_id); };
  auto run = co_await pool_.run(load);
  if (!run || run->kind != "image") throw run_not_found();
  co_return *run;
}

asio::awaitable<BackupRun> ImageBackupService::restore(std::string run_id,
                                                       std::optional<std::string> environment) {
  const auto run = co_await load_run(std::move(run_id));
  if (run.status != "succeeded") {
    throw Error::conflict("backup_not_restorable", "Only a backup that succeeded can be restored.");
  }
  auto engine = engines_.engine(environment.value_or(run.environment));
  const TemporaryFile staging("image-restore");
  co_await fetch_verified(objects_, run.object_key, run.size_bytes, run.sha256, staging.path(),
                          pool_);
  docker::Headers tar_headers{{"Content-Type", "application/x-tar"}};
  auto upload =
      co_await engine->upload(docker::Verb::post, "/images/load?quiet=1", std::move(tar_headers));
  co_await unpack_into(staging.path(), *upload, pool_);
  const auto answer = co_await upload->finish();
  // The engine answers 200 and reports a refused archive inside its progress stream.
  if (!answer.ok() || answer.body.find("\"error") != std::string::npos) {
    throw engine_refused("load the image", answer);
  }
  co_return run;
}

asio::awaitable<std::vector<BackupRun>> ImageBackupService::list(std::size_t limit) {
  BackupRunFilter filter;
  filter.kind = "image";
  filter.limit = limit;
  auto load = [this, &filter] { return runs_.list(filter); };
  co_return co_await pool_.run(load);
}

asio::awaitable<void> ImageBackupService::remove(std::string run_id) {
  const auto run = co_await load_run(std::move(run_id));
  auto drop = [this, &run] {
    if (!run.object_key.empty()) objects_.remove(run.object_key);
    runs_.remove(run.id);
  };
  co_await pool_.run(drop);
}

}  // namespace dokkerr::backup
