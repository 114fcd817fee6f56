#pragma once
// Image update detection: for each image reference running containers use, the digest the
// engine pulled it by against the digest its registry names for the tag now. The registry is
// asked with the stored login of a team that runs the image (its own registry first, then its
// organization's), as the server itself: only public registries and listed ones
// (--allowed-registry) are called, like the engine's pulls by non-admins.
#include "core/event_sink.hpp"
#include "registries/registry_service.hpp"
#include "registries/update_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace dokkerr::registries {

// An image reference containers of one environment run.
struct ImageInUse {
  std::string reference;                      // as the containers name it
  std::set<std::string, std::less<>> teams;   // of the containers that run it ("" none)
  std::vector<std::string> repo_digests;      // the engine's RepoDigests of that image
};

// What the environments run (app/ implements it over the engines).
class LocalImages {
 public:
  virtual ~LocalImages() = default;
  [[nodiscard]] virtual std::vector<std::string> environments() = 0;
  // Throws when the environment's engine cannot be asked.
  virtual boost::asio::awaitable<std::vector<ImageInUse>> in_use(std::string environment) = 0;
};

inline constexpr std::size_t kMaxImagesPerCheck = 500;

class UpdateChecker {
 public:
  UpdateChecker(LocalImages& local, RegistryService& registries, RegistryApi& api,
                UpdateStore& store, BlockingPool& pool, const Clock& clock)
      : local_(local), registries_(registries), api_(api), store_(store), pool_(pool),
        clock_(clock) {}

  // Newly found updates are announced there (image.update_available, once per team that runs
  // the image and remote digest) from then on.
  void announce_to(EventSink& events) { events_ = &events; }

  // Checks one environment now and keeps the result. One check at a time per environment: one
  // asked for meanwhile waits for it first (409 update_check_running after 5 minutes).
  boost::asio::awaitable<std::vector<ImageUpdate>> check(std::string environment);
  // Every environment whose engine answers; failures are kept as results, never thrown.
  boost::asio::awaitable<void> check_all();
  boost::asio::awaitable<std::vector<ImageUpdate>> results(std::string environment);

 private:
  // Blocking: one image against its registry.
  ImageUpdate compare(const std::string& environment, const ImageInUse& image,
                      const std::string& checked_at);

  LocalImages& local_;
  RegistryService& registries_;
  RegistryApi& api_;
  UpdateStore& store_;
  BlockingPool& pool_;
  const Clock& clock_;
  EventSink* events_ = nullptr;
  std::mutex running_mutex_;
  std::set<std::string, std::less<>> running_;
};

}  // namespace dokkerr::registries
