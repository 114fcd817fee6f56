#include "registries/update_checker.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "registries/image_reference.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>

namespace dokkerr::registries {
namespace asio = boost::asio;

namespace {

// How long a check waits for another one of the same environment: 100 ms rounds, 5 minutes.
constexpr int kMaxWaitRounds = 3000;

// The digest among the engine's RepoDigests ("name@sha256:…") recorded for the reference's
// repository; "" when the engine never pulled or pushed it from there.
std::string local_digest(const ImageReference& wanted, const std::vector<std::string>& digests) {
  for (const auto& entry : digests) {
    const auto at = entry.find('@');
    if (at == std::string::npos) continue;
    const auto named = parse_image_reference(entry.substr(0, at));
    if (named && named->address == wanted.address && named->repository == wanted.repository) {
      return entry.substr(at + 1);
    }
  }
  return {};
}

// Marks a check of an environment as running for as long as it lives.
class Running {
 public:
  Running(std::mutex& mutex, std::set<std::string, std::less<>>& running, std::string key)
      : mutex_(mutex), running_(running), key_(std::move(key)) {
    const std::lock_guard lock(mutex_);
    if (!running_.insert(key_).second) {
      key_.clear();
      throw Error::conflict("update_check_running",
                            "The environment's images are being checked already.");
    }
  }
  ~Running() {
    if (key_.empty()) return;
    const std::lock_guard lock(mutex_);
    running_.erase(key_);
  }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;

 private:
  std::mutex& mutex_;
  std::set<std::string, std::less<>>& running_;
  std::string key_;
};

}  // namespace

ImageUpdate UpdateChecker::compare(const std::string& environment, const ImageInUse& image,
                                   const std::string& checked_at) {
  ImageUpdate out;
  out.environment = environment;
  out.image = image.reference;
  out.checked_at = checked_at;
  out.status = "unknown";
  const auto reference = parse_image_reference(image.reference);
  if (!reference) {
    out.error = "not a tag of a registry's repository (an image id or a digest)";
    return out;
  }
  out.local_digest = local_digest(*reference, image.repo_digests);
  try {
    const auto endpoint = registries_.endpoint_for_teams(image.teams, reference->address);
    out.remote_digest = api_.manifest_digest(endpoint, reference->repository, reference->tag);
  } catch (const Error& error) {
    out.error = error.detail();
    return out;
  }
  if (out.local_digest.empty()) {
    out.error = "the engine has no digest of this image from its registry (built or loaded here)";
    return out;
  }
  out.status = out.local_digest == out.remote_digest ? "up_to_date" : "update_available";
  return out;
}

asio::awaitable<std::vector<ImageUpdate>> UpdateChecker::check(std::string environment) {
  // A check of the environment already running is waited for, not repeated.
  for (int waited = 0; waited < kMaxWaitRounds; ++waited) {
    {
      const std::lock_guard lock(running_mutex_);
      if (!running_.contains(environment)) break;
    }
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(100));
    co_await timer.async_wait(asio::use_awaitable);
  }
  const Running running(running_mutex_, running_, environment);
  auto images = co_await local_.in_use(environment);
  if (images.size() > kMaxImagesPerCheck) images.resize(kMaxImagesPerCheck);
  const auto checked_at = clock_.stamp();
  std::vector<PlatformEvent> found;
  auto work = [this, &environment, &images, &checked_at, &found] {
    std::map<std::string, std::string> known;  // image → the newer digest already announced
    for (const auto& before : store_.list(environment)) {
      if (before.status == "update_available") known[before.image] = before.remote_digest;
    }
    std::vector<ImageUpdate> out;
    out.reserve(images.size());
    for (const auto& image : images) {
      auto update = compare(environment, image, checked_at);
      const auto announced = known.find(update.image);
      if (update.status == "update_available" &&
          (announced == known.end() || announced->second != update.remote_digest)) {
        for (const auto& team : image.teams) {
          found.push_back(PlatformEvent{"image.update_available", team, environment,
                                        "image:" + update.image,
                                        {{"image", update.image},
                                         {"local_digest", update.local_digest},
                                         {"remote_digest", update.remote_digest}}});
        }
      }
      out.push_back(std::move(update));
    }
    store_.replace(environment, out);
    return out;
  };
  auto out = co_await pool_.run(work);
  if (events_ != nullptr) {
    for (auto& event : found) co_await events_->publish(std::move(event));
  }
  co_return out;
}

asio::awaitable<void> UpdateChecker::check_all() {
  for (const auto& environment : local_.environments()) {
    try {
      (void)co_await check(environment);
    } catch (const Error&) {
      // An engine that does not answer, or a check already running: the next round tries again.
    }
  }
}

asio::awaitable<std::vector<ImageUpdate>> UpdateChecker::results(std::string environment) {
  auto load = [this, &environment] { return store_.list(environment); };
  co_return co_await pool_.run(load);
}

}  // namespace dokkerr::registries
