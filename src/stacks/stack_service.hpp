#pragma once
// Compose stacks on an environment: deploy (create or update), stop, start, remove, roll back,
// each as the caller, for a team. A deploy converges the engine on the file: the policy is run
// over every service, network and volume before anything is made (a refused stack leaves
// nothing behind); then networks and volumes, then services in dependency order, each waiting
// for the conditions of what it depends on (started, healthy, completed successfully).
// Containers whose config hash matches the file are kept (started if stopped); changed ones are
// replaced, surplus replicas and services no longer in the file removed.
//
// RBAC as for the team's containers: containers:read to see a stack, containers:create to
// deploy, stop, start and roll back, containers:delete to remove it; another team's stack does
// not exist for the caller (404 stack_not_found). Administrators' stacks of no team are theirs.
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/event_sink.hpp"
#include "core/principal.hpp"
#include "stacks/compose_file.hpp"
#include "stacks/stack_host.hpp"
#include "stacks/stack_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dokkerr::stacks {

struct StackSettings {
  // How long a service waits for a dependency to be healthy or to complete.
  std::chrono::milliseconds dependency_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds poll_interval{500};
  // A container that replaces one for a newer image, without a health check, must keep
  // running this long before the one it replaces is removed.
  std::chrono::milliseconds settle_time{std::chrono::seconds(5)};
  std::size_t max_stacks_per_environment = 500;
};

// A stack with what runs of it now.
struct StackView {
  Stack stack;
  std::vector<ProjectContainer> containers;
};

// What an update leaves as deployed: the values are never shown, so a client that does not
// send them again keeps them.
struct KeptInputs {
  bool variables = false;
  bool env_files = false;
};

// Where an update takes the file from: as given (keeping a Git source, which its next
// sync replaces), from a Git repository from now on (fetched at once), or inline from now on.
struct GitChange {
  std::optional<GitLocation> set;
  bool clear = false;
};

struct GitSync {
  StackView view;
  bool changed = false;  // a new commit was deployed
};

// A line of a stack's merged log.
struct StackLogLine {
  std::string service;
  std::string container;  // its name
  LogLine line;
};

class StackService {
 public:
  StackService(StackStore& store, StackHost& host, BlockingPool& pool, const Clock& clock,
               StackSettings settings = {});

  // Deploys are announced there (stack.deployed, stack.deploy_failed) from then on.
  void announce_to(EventSink& events) { events_ = &events; }

  // Stacks may take their file from Git repositories through `git` from then on; `allowed`:
  // private addresses https repositories may still be on.
  void use_git(GitRepositories& git, AddressSet allowed) {
    git_ = &git;
    git_allowed_ = std::move(allowed);
  }

  // 201: a new stack deployed. Error conflict "stack_exists" for a taken name. With `git`, the
  // file is fetched from there (source.compose is ignored).
  boost::asio::awaitable<StackView> create(const Principal& caller, std::string env,
                                           std::string name, std::optional<std::string> team,
                                           StackSource source,
                                           std::optional<GitLocation> git = std::nullopt);
  // Deploys a new source for the stack (a new version), recreating only what changed.
  boost::asio::awaitable<StackView> update(const Principal& caller, std::string env,
                                           std::string name, StackSource source,
                                           KeptInputs kept = {}, GitChange git = {});
  // A Git stack: deploys the commit its ref names now, when that is not the one deployed
  // (400 stack_not_from_git for others).
  boost::asio::awaitable<GitSync> sync_git(const Principal& caller, std::string env,
                                           std::string name);
  // Deploys an earlier version's source again (as a new version).
  boost::asio::awaitable<StackView> rollback(const Principal& caller, std::string env,
                                             std::string name, int version);
  // Pulls every service's image again (not those with pull_policy: never) and recreates the
  // containers whose image changed, as `docker compose pull && docker compose up -d` does; the
  // version stays. A failed pull changes nothing.
  boost::asio::awaitable<StackView> redeploy(const Principal& caller, std::string env,
                                             std::string name);
  // Whether the image update check redeploys the stack (containers:create).
  boost::asio::awaitable<StackView> set_auto_update(const Principal& caller, std::string env,
                                                    std::string name, bool enabled);
  // The images the stack's services pull (not pull_policy: never), as the file names them.
  [[nodiscard]] static std::vector<std::string> pulled_images(const Stack& stack);
  // pulled_images remembered per stack version, so that answers listing stacks do not parse
  // every file again; a file that no longer parses names none.
  [[nodiscard]] std::vector<std::string> images_of(const Stack& stack);
  boost::asio::awaitable<StackView> stop(const Principal& caller, std::string env,
                                         std::string name);
  boost::asio::awaitable<StackView> start(const Principal& caller, std::string env,
                                          std::string name);
  // Containers and the stack's own networks go; its volumes only with `volumes`.
  boost::asio::awaitable<void> remove(const Principal& caller, std::string env, std::string name,
                                      bool volumes);
  boost::asio::awaitable<std::vector<Stack>> list(const Principal& caller, std::string env);
  boost::asio::awaitable<StackView> get(const Principal& caller, std::string env, std::string name);
  boost::asio::awaitable<std::vector<StackVersion>> history(const Principal& caller,
                                                            std::string env, std::string name);
  // The last `tail` lines of each container (of `service`, or all), merged in time order.
  // containers:logs in the stack's team.
  boost::asio::awaitable<std::vector<StackLogLine>> logs(const Principal& caller, std::string env,
                                                         std::string name, std::size_t tail,
                                                         std::optional<std::string> service);

  // The stack if the caller may act on it with `permission`; 404 stack_not_found otherwise
  // (403 permission_denied for members who may see it).
  boost::asio::awaitable<Stack> authorized(const Principal& caller, std::string env,
                                           std::string name, std::string_view permission) {
    co_return co_await visible(caller, env, name, permission);
  }

 private:
  // Blocking work on the pool: the file at `where` as the caller may fetch it.
  boost::asio::awaitable<GitFile> fetch_git(const Principal& caller, const GitLocation& where);
  // The stack if the caller may act on it with `permission`; 404 stack_not_found otherwise.
  boost::asio::awaitable<Stack> visible(const Principal& caller, const std::string& env,
                                        const std::string& name, std::string_view permission);
  // Parses and checks a source before anything changes.
  boost::asio::awaitable<ComposeProject> prepare(const Principal& caller, const std::string& env,
                                                 const std::string& name, const std::string& team,
                                                 const StackSource& source);
  // Makes the engine match `project`; records the outcome on the stack.
  // `images`: each service's image id after a fresh pull (redeploy); a container running
  // another is replaced even when its configuration is unchanged.
  using FreshImages = std::map<std::string, std::string>;
  boost::asio::awaitable<StackView> deploy(const Principal& caller, Stack stack,
                                           const ComposeProject& project, bool new_version,
                                           const FreshImages& images);
  boost::asio::awaitable<void> converge(const Principal& caller, const Stack& stack,
                                        const ComposeProject& project, const FreshImages& images);
  // One service's replicas made to match the file (after what it depends on is ready).
  boost::asio::awaitable<void> converge_service(
      const Principal& caller, const Stack& stack, const ComposeProject& project,
      const ServiceSpec& service, const std::vector<ProjectContainer>& existing,
      const FreshImages& images, std::map<std::string, std::vector<std::string>>& running);
  // Creates, connects and starts one replica; its id.
  boost::asio::awaitable<std::string> make_replica(const Principal& caller, const Stack& stack,
                                                   const ComposeProject& project,
                                                   const ServiceSpec& service, int number);
  // Replaces a container whose configuration is unchanged but whose image is older: the old
  // one is stopped and kept aside until the new one is healthy (or, without a health check,
  // still running after settle_time); otherwise the new one goes, the old one comes back and
  // the redeploy fails with 409 stack_update_rolled_back. The new container's id.
  boost::asio::awaitable<std::string> replace_for_image(const Principal& caller,
                                                        const Stack& stack,
                                                        const ComposeProject& project,
                                                        const ServiceSpec& service,
                                                        const ProjectContainer& current);
  // Throws unless the container becomes ready as replace_for_image wants.
  boost::asio::awaitable<void> await_ready(const Principal& caller, const std::string& env,
                                           const ServiceSpec& service, const std::string& id);
  boost::asio::awaitable<void> await_dependencies(
      const Principal& caller, const std::string& env, const ServiceSpec& service,
      const std::map<std::string, std::vector<std::string>>& running);
  boost::asio::awaitable<StackView> view(const Principal& caller, Stack stack);

  // One deploy, stop or removal of a stack at a time in this process.
  class Busy {
   public:
    Busy(StackService& service, std::string key);
    ~Busy();
    Busy(const Busy&) = delete;
    Busy& operator=(const Busy&) = delete;

   private:
    StackService& service_;
    std::string key_;
  };

  StackStore& store_;
  StackHost& host_;
  BlockingPool& pool_;
  const Clock& clock_;
  StackSettings settings_;
  EventSink* events_ = nullptr;
  GitRepositories* git_ = nullptr;
  AddressSet git_allowed_;
  std::mutex images_mutex_;
  std::map<std::string, std::pair<int, std::vector<std::string>>, std::less<>> images_;
  std::mutex busy_mutex_;
  std::set<std::string, std::less<>> busy_;
};

}  // namespace dokkerr::stacks
