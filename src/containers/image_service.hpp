#pragma once
// Images on an environment's engine: list, inspect, pull, tag, remove, prune, load, export and
// import. Images belong to no team: the permissions of the routes decide who may do what.
#include "containers/registry_logins.hpp"
#include "containers/upload_spool.hpp"
#include "docker/client.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr {
struct Principal;
}

namespace dokkerr::containers {

class EnvironmentService;
class RegistryGuard;

struct ImageListOptions {
  bool all = false;       // intermediate images too
  bool dangling = false;  // untagged ones only
  std::optional<std::string> reference;
};

struct PullRequest {
  std::string image;
  std::string tag;  // "" for the engine's default
  // Given: presented as is. Otherwise the stored login (RegistryLogins) for `team` is, if any.
  std::optional<RegistryCredentials> auth;
  std::string team;  // whose stored logins apply ("" any of the caller's)
};

// When a container create pulls its image first (?pull=): only when the engine lacks it, as
// `docker run` does, or every time, as `docker run --pull always` does.
enum class PullPolicy { missing, always };

// "missing" or "always"; anything else is 400 invalid_parameter.
PullPolicy pull_policy_from(std::string_view text);

// A reference as the engine's pull takes it: "busybox" → {busybox, latest},
// "registry:5000/a/b:1" → {registry:5000/a/b, 1}, "a@sha256:…" → {a, sha256:…}. Never an empty
// tag: the engine would pull every tag of the repository.
PullRequest pull_request_for(std::string_view reference);

struct ImageRemoveOptions {
  bool force = false;
  bool noprune = false;  // keep untagged parents
};

class ImageService {
 public:
  // Without a guard, any caller may pull from any registry; without a spool, uploads go to the
  // engine as they arrive (tests of the engine calls alone); without logins, pulls present
  // only what the request brings.
  explicit ImageService(EnvironmentService& environments, const RegistryGuard* registries = nullptr,
                        UploadSpool* spool = nullptr, RegistryLogins* logins = nullptr)
      : environments_(environments), registries_(registries), spool_(spool), logins_(logins) {}

  boost::asio::awaitable<boost::json::array> list(std::string env, ImageListOptions options);
  boost::asio::awaitable<boost::json::value> inspect(std::string env, std::string ref);
  boost::asio::awaitable<boost::json::array> history(std::string env, std::string ref);
  // The engine's progress (NDJSON) as it pulls; a refusal before it starts is an Error (403
  // registry_not_allowed for a registry the caller may not pull from: registry_guard.hpp).
  boost::asio::awaitable<std::unique_ptr<docker::EngineStream>> pull(const Principal& caller,
                                                                     std::string env,
                                                                     PullRequest request);
  // Makes `reference` present on the engine: pulls it when missing (or always), reading the
  // engine's progress to its end. An unknown image is 404 image_not_found, a pull the engine
  // gives up 502 image_pull_failed, one still running after `deadline` 502 image_pull_timeout;
  // the registry rules of pull() apply.
  // `team`: whose stored registry logins the pull may present ("" any of the caller's).
  boost::asio::awaitable<void> ensure(const Principal& caller, std::string env,
                                      std::string reference, PullPolicy policy,
                                      std::string team = {},
                                      std::chrono::seconds deadline = std::chrono::minutes(10));
  // Pushes `reference` (which names its registry) to its registry with the stored login the
  // caller may use there (or none); the engine's progress (NDJSON).
  boost::asio::awaitable<std::unique_ptr<docker::EngineStream>> push(const Principal& caller,
                                                                     std::string env,
                                                                     std::string reference,
                                                                     std::string team);
  // repo: the engine's repository syntax (lowercase path, optional registry host), tag: 1-128
  // of [A-Za-z0-9_.-] ("" for latest); 400 invalid_reference otherwise.
  boost::asio::awaitable<void> tag(std::string env, std::string ref, std::string repo,
                                   std::string tag);
  // What the engine untagged and deleted.
  boost::asio::awaitable<boost::json::array> remove(std::string env, std::string ref,
                                                    ImageRemoveOptions options);
  boost::asio::awaitable<boost::json::value> prune(std::string env,
                                                   std::optional<boost::json::object> filters);
  // A tarball as `docker save` writes it, read from `tarball` (kept in the spool until it is
  // whole, when there is one); the engine's messages about it.
  boost::asio::awaitable<boost::json::array> load(std::string env, UploadSource tarball);
  // The image as a tarball (`docker save`), as the engine streams it.
  boost::asio::awaitable<std::unique_ptr<docker::EngineStream>> export_image(std::string env,
                                                                             std::string ref);
  // A root filesystem tarball imported as an image (repo and tag optional).
  boost::asio::awaitable<boost::json::array> import_rootfs(std::string env, UploadSource tarball,
                                                           std::string repo, std::string tag);

 private:
  // Sends an uploaded tarball to the engine as the body of `target`; the engine's answer.
  boost::asio::awaitable<std::string> send_tarball(std::string env, std::string target,
                                                   UploadSource tarball, std::string_view what);

  EnvironmentService& environments_;
  const RegistryGuard* registries_;
  UploadSpool* spool_;
  RegistryLogins* logins_;
};

}  // namespace dokkerr::containers
