#include "stacks/stack_service.hpp"

#include "core/error.hpp"
#include "core/permissions.hpp"
#include "crypto/primitives.hpp"
#include "stacks/service_body.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace dokkerr::stacks {
namespace {

namespace asio = boost::asio;

Error stack_not_found() {
  return Error::not_found("stack_not_found", "No such stack.");
}

bool may(const Principal& caller, const std::string& team, std::string_view permission) {
  if (caller.is_admin) return true;
  return !team.empty() && caller.has_in_team(team, permission);
}

asio::awaitable<void> pause(std::chrono::milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
}

std::string condition_name(Dependency::Condition condition) {
  switch (condition) {
    case Dependency::Condition::started:
      return "service_started";
    case Dependency::Condition::healthy:
      return "service_healthy";
    case Dependency::Condition::completed_successfully:
      return "service_completed_successfully";
  }
  return "service_started";
}

// An RFC 3339 time whose fraction is padded to nanoseconds, so that times compare as text
// (the engine drops trailing zeros: "…:12.5Z" is after "…:12.45Z").
std::string sortable_time(const std::string& time) {
  const auto dot = time.find('.');
  const auto zone = time.find_first_of("Z+-", time.find('T'));
  if (dot == std::string::npos || zone == std::string::npos || zone < dot) return time;
  std::string fraction = time.substr(dot + 1, zone - dot - 1);
  fraction.resize(9, '0');
  return time.substr(0, dot + 1) + fraction + time.substr(zone);
}

}  // namespace

StackService::Busy::Busy(StackService& service, std::string key)
    : service_(service), key_(std::move(key)) {
  const std::lock_guard lock(service_.busy_mutex_);
  if (!service_.busy_.insert(key_).second) {
    key_.clear();
    throw Error::conflict("stack_busy", "The stack is being changed by another request.");
  }
}

StackService::Busy::~Busy() {
  if (key_.empty()) return;
  const std::lock_guard lock(service_.busy_mutex_);
  service_.busy_.erase(key_);
}

StackService::StackService(StackStore& store, StackHost& host, BlockingPool& pool,
                           const Clock& clock, StackSettings settings)
    : store_(store), host_(host), pool_(pool), clock_(clock), settings_(settings) {}

asio::awaitable<Stack> StackService::visible(const Principal& caller, const std::string& env,
                                             const std::string& name, std::string_view permission) {
  auto load = [this, &env, &name] { return store_.find(env, name); };
  auto stack = co_await pool_.run(load);
  if (!stack) throw stack_not_found();
  if (may(caller, stack->team_id, permission)) co_return *stack;
  // Members who may see the stack but not do this are told so; everyone else learns nothing.
  if (may(caller, stack->team_id, perm::containers_read)) {
    throw Error{ErrorKind::forbidden, "permission_denied",
                "Your role in this team does not allow that."};
  }
  throw stack_not_found();
}

asio::awaitable<ComposeProject> StackService::prepare(const Principal& caller,
                                                      const std::string& env,
                                                      const std::string& name,
                                                      const std::string& team,
                                                      const StackSource& source) {
  const ComposeInputs inputs{name, source.variables, source.env_files};
  auto project = parse_compose(source.compose, inputs);
  // Everything the stack would make passes the policy before the first thing is made.
  for (const auto& service : project.services) {
    co_await host_.check_container(caller, env, team, container_body(project, service, 1));
  }
  for (const auto& volume : project.volumes) {
    if (!volume.external)
      co_await host_.check_volume(caller, env, team, volume_body(project, volume));
  }
  co_return project;
}

asio::awaitable<GitFile> StackService::fetch_git(const Principal& caller,
                                                 const GitLocation& where) {
  if (git_ == nullptr) {
    throw Error::unavailable("git_unavailable", "This server does not fetch from Git.");
  }
  GitRules rules;
  rules.allow_file = caller.is_admin;
  rules.allowed = git_allowed_;
  check_git_location(where, rules.allow_file);
  auto fetch = [this, &where, &rules] { return git_->fetch(where, rules); };
  co_return co_await pool_.run(fetch);
}

asio::awaitable<StackView> StackService::create(const Principal& caller, std::string env,
                                                std::string name, std::optional<std::string> team,
                                                StackSource source,
                                                std::optional<GitLocation> git) {
  const auto owner = co_await host_.deploying_team(caller, env, std::move(team));
  if (!may(caller, owner, perm::containers_create)) {
    throw Error{ErrorKind::forbidden, "permission_denied",
                "Your role in this team does not allow that."};
  }
  std::string commit;
  if (git) {
    auto file = co_await fetch_git(caller, *git);
    source.compose = std::move(file.content);
    commit = std::move(file.commit);
  }
  const auto project = co_await prepare(caller, env, name, owner, source);
  const Busy busy(*this, env + "/" + name);
  Stack stack;
  stack.id = crypto::hex_encode(crypto::random_bytes(12));
  stack.environment = env;
  stack.name = name;
  stack.team_id = owner;
  stack.source = std::move(source);
  stack.git = std::move(git);
  stack.git_commit = std::move(commit);
  stack.version = 1;
  stack.status = "deploying";
  stack.created_by = caller.user_id;
  stack.created_at = clock_.stamp();
  stack.updated_at = stack.created_at;
  auto insert = [this, &stack] {
    if (store_.count(stack.environment) >= settings_.max_stacks_per_environment) {
      throw Error::conflict("too_many_stacks", "The environment has as many stacks as it may.");
    }
    store_.insert(stack);
  };
  co_await pool_.run(insert);
  const FreshImages unchanged;
  co_return co_await deploy(caller, std::move(stack), project, true, unchanged);
}

asio::awaitable<StackView> StackService::update(const Principal& caller, std::string env,
                                                std::string name, StackSource source,
                                                KeptInputs kept, GitChange git) {
  auto stack = co_await visible(caller, env, name, perm::containers_create);
  if (kept.variables) source.variables = stack.source.variables;
  if (kept.env_files) source.env_files = stack.source.env_files;
  if (git.set) {
    auto file = co_await fetch_git(caller, *git.set);
    source.compose = std::move(file.content);
    stack.git = std::move(git.set);
    stack.git_commit = std::move(file.commit);
  } else if (git.clear) {
    stack.git.reset();
    stack.git_commit.clear();
  }
  const auto project = co_await prepare(caller, env, name, stack.team_id, source);
  const Busy busy(*this, env + "/" + name);
  // What another deploy of this stack stored while this one prepared is the base: the version
  // is numbered from it, not from the stack as read above.
  auto reload = [this, &stack] { return store_.get(stack.id); };
  auto current = co_await pool_.run(reload);
  if (!current) throw stack_not_found();
  current->git = std::move(stack.git);
  current->git_commit = std::move(stack.git_commit);
  stack = std::move(*current);
  const bool changed = source.compose != stack.source.compose ||
                       source.variables != stack.source.variables ||
                       source.env_files != stack.source.env_files;
  if (changed) {
    stack.source = std::move(source);
    ++stack.version;
  }
  const FreshImages unchanged;
  co_return co_await deploy(caller, std::move(stack), project, changed, unchanged);
}

asio::awaitable<GitSync> StackService::sync_git(const Principal& caller, std::string env,
                                                std::string name) {
  auto stack = co_await visible(caller, env, name, perm::containers_create);
  if (!stack.git) {
    throw Error::invalid("stack_not_from_git", "The stack's file does not come from Git.");
  }
  if (git_ == nullptr) {
    throw Error::unavailable("git_unavailable", "This server does not fetch from Git.");
  }
  GitRules rules;
  rules.allow_file = caller.is_admin;
  rules.allowed = git_allowed_;
  auto head = [this, &stack, &rules] { return git_->head(*stack.git, rules); };
  const auto commit = co_await pool_.run(head);
  GitSync sync;
  if (commit == stack.git_commit) {
    sync.view = co_await view(caller, std::move(stack));
    co_return sync;
  }
  GitChange change;
  change.set = *stack.git;
  KeptInputs kept;
  kept.variables = true;
  kept.env_files = true;
  StackSource fetched;  // the file comes from the repository; variables and env files are kept
  sync.view = co_await update(caller, std::move(env), std::move(name), std::move(fetched), kept,
                              std::move(change));
  sync.changed = true;
  co_return sync;
}

asio::awaitable<StackView> StackService::rollback(const Principal& caller, std::string env,
                                                  std::string name, int version) {
  const auto stack = co_await visible(caller, env, name, perm::containers_create);
  auto load = [this, &stack] { return store_.versions(stack.id, 1000); };
  const auto versions = co_await pool_.run(load);
  const auto found =
      std::find_if(versions.begin(), versions.end(),
                   [version](const StackVersion& v) { return v.version == version; });
  if (found == versions.end()) {
    throw Error::not_found("stack_version_not_found", "The stack has no such version.");
  }
  co_return co_await update(caller, std::move(env), std::move(name), found->source);
}

asio::awaitable<StackView> StackService::redeploy(const Principal& caller, std::string env,
                                                  std::string name) {
  auto stack = co_await visible(caller, env, name, perm::containers_create);
  const auto project = co_await prepare(caller, env, name, stack.team_id, stack.source);
  const Busy busy(*this, env + "/" + name);
  FreshImages images;
  std::map<std::string, std::string> pulled;  // image → id: services sharing one pull it once
  for (const auto& service : project.services) {
    if (service.pull_policy == "never") continue;
    auto found = pulled.find(service.image);
    if (found == pulled.end()) {
      auto id = co_await host_.refresh_image(caller, env, stack.team_id, service.image);
      found = pulled.emplace(service.image, std::move(id)).first;
    }
    images[service.name] = found->second;
  }
  co_return co_await deploy(caller, std::move(stack), project, false, images);
}

asio::awaitable<StackView> StackService::set_auto_update(const Principal& caller,
                                                         std::string env, std::string name,
                                                         bool enabled) {
  auto stack = co_await visible(caller, env, name, perm::containers_create);
  stack.auto_update = enabled;
  stack.updated_at = clock_.stamp();
  auto save = [this, &stack] { store_.update(stack); };
  co_await pool_.run(save);
  co_return co_await view(caller, std::move(stack));
}

std::vector<std::string> StackService::images_of(const Stack& stack) {
  {
    const std::lock_guard lock(images_mutex_);
    const auto known = images_.find(stack.id);
    if (known != images_.end() && known->second.first == stack.version) return known->second.second;
  }
  std::vector<std::string> images;
  try {
    images = pulled_images(stack);
  } catch (const Error&) {
    // A stricter parser than the one that deployed it: no images to name.
  }
  const std::lock_guard lock(images_mutex_);
  images_[stack.id] = {stack.version, images};
  return images;
}

std::vector<std::string> StackService::pulled_images(const Stack& stack) {
  const ComposeInputs inputs{stack.name, stack.source.variables, stack.source.env_files};
  std::vector<std::string> out;
  for (const auto& service : parse_compose(stack.source.compose, inputs).services) {
    if (service.pull_policy != "never") out.push_back(service.image);
  }
  return out;
}

asio::awaitable<StackView> StackService::deploy(const Principal& caller, Stack stack,
                                                const ComposeProject& project, bool new_version,
                                                const FreshImages& images) {
  std::exception_ptr failure;
  std::string reason;
  try {
    co_await converge(caller, stack, project, images);
  } catch (const Error& error) {
    failure = std::current_exception();
    reason = error.detail();
  } catch (const std::exception&) {
    failure = std::current_exception();
    reason = "An internal error occurred.";
  }
  stack.status = failure ? "failed" : "running";
  stack.error = reason;
  stack.updated_at = clock_.stamp();
  auto save = [this, &stack, &caller, new_version] {
    store_.update(stack);
    if (new_version) {
      store_.add_version(
          stack.id, StackVersion{stack.version, stack.source, caller.user_id, stack.updated_at});
    }
  };
  co_await pool_.run(save);
  if (events_ != nullptr) {
    PlatformEvent event;
    event.type = failure ? "stack.deploy_failed" : "stack.deployed";
    event.team_id = stack.team_id;
    event.environment = stack.environment;
    event.subject = "stack:" + stack.environment + "/" + stack.name;
    event.data = {{"name", stack.name}, {"version", stack.version}, {"status", stack.status}};
    if (failure) event.data["error"] = stack.error;
    co_await events_->publish(std::move(event));
  }
  if (failure) std::rethrow_exception(failure);
  co_return co_await view(caller, std::move(stack));
}

asio::awaitable<void> StackService::converge(const Principal& caller, const Stack& stack,
                                             const ComposeProject& project,
                                             const FreshImages& images) {
  const auto& env = stack.environment;
  for (const auto& network : project.networks) {
    std::optional<boost::json::object> body;
    if (!network.external) body = network_body(project, network);
    co_await host_.ensure_network(caller, env, stack.team_id, network.name, std::move(body));
  }
  for (const auto& volume : project.volumes) {
    std::optional<boost::json::object> body;
    if (!volume.external) body = volume_body(project, volume);
    co_await host_.ensure_volume(caller, env, stack.team_id, volume.name, std::move(body));
  }
  auto existing = co_await host_.project_containers(caller, env, project.name);
  // Services no longer in the file go first: their ports and names are free for what replaces
  // them.
  for (const auto& container : existing) {
    const bool declared =
        std::any_of(project.services.begin(), project.services.end(),
                    [&](const ServiceSpec& s) { return s.name == container.service; });
    if (!declared) co_await host_.remove_container(caller, env, container.id);
  }
  // Services at the same depth of the dependency graph do not depend on each other: they are
  // made at once, as the compose CLI does, each wave after the one it depends on.
  std::map<std::string, std::size_t> depth;
  std::vector<std::vector<const ServiceSpec*>> waves;
  for (const auto& service : project.services) {  // in dependency order: depths are known
    std::size_t level = 0;
    for (const auto& dependency : service.depends_on) {
      level = std::max(level, depth.at(dependency.service) + 1);
    }
    depth[service.name] = level;
    if (waves.size() <= level) waves.resize(level + 1);
    waves[level].push_back(&service);
  }
  std::map<std::string, std::vector<std::string>> running;  // service → its containers
  const auto executor = co_await asio::this_coro::executor;
  for (const auto& wave : waves) {
    using Task =
        decltype(asio::co_spawn(executor, std::declval<asio::awaitable<void>>(), asio::deferred));
    std::vector<Task> tasks;
    for (const auto* service : wave) {
      tasks.push_back(asio::co_spawn(
          executor,
          converge_service(caller, stack, project, *service, existing, images, running),
          asio::deferred));
    }
    auto [order, failures] =
        co_await asio::experimental::make_parallel_group(std::move(tasks))
            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    (void)order;
    // The first service in the file's order that failed is the one reported.
    for (const auto& failure : failures) {
      if (failure) std::rethrow_exception(failure);
    }
  }
}

asio::awaitable<void> StackService::converge_service(
    const Principal& caller, const Stack& stack, const ComposeProject& project,
    const ServiceSpec& service, const std::vector<ProjectContainer>& existing,
    const FreshImages& images, std::map<std::string, std::vector<std::string>>& running) {
  const auto& env = stack.environment;
  const auto fresh = images.find(service.name);
  co_await await_dependencies(caller, env, service, running);
  const auto hash = config_hash(project, service);
  // References into a std::map stay valid while other services add their entries.
  auto& ids = running[service.name];
  for (const auto& container : existing) {
    if (container.service == service.name && container.number > service.replicas) {
      co_await host_.remove_container(caller, env, container.id);
    }
  }
  for (int number = 1; number <= service.replicas; ++number) {
    const auto current = std::find_if(
        existing.begin(), existing.end(),
        [&](const ProjectContainer& c) { return c.service == service.name && c.number == number; });
    const bool stale_image = fresh != images.end() && current != existing.end() &&
                             current->image_id != fresh->second;
    if (current != existing.end() && current->config_hash == hash) {
      if (stale_image) {
        ids.push_back(co_await replace_for_image(caller, stack, project, service, *current));
        continue;
      }
      if (current->state != "running") co_await host_.start(caller, env, current->id);
      ids.push_back(current->id);
      continue;
    }
    if (current != existing.end()) co_await host_.remove_container(caller, env, current->id);
    ids.push_back(co_await make_replica(caller, stack, project, service, number));
  }
}

asio::awaitable<std::string> StackService::make_replica(const Principal& caller,
                                                        const Stack& stack,
                                                        const ComposeProject& project,
                                                        const ServiceSpec& service, int number) {
  const auto& env = stack.environment;
  const auto id = co_await host_.create_container(
      caller, env, stack.team_id, container_name(project, service, number),
      container_body(project, service, number), service.pull_policy);
  for (std::size_t i = 1; service.network_mode.empty() && i < service.networks.size(); ++i) {
    co_await host_.connect(caller, env, network_name(project, service.networks[i].key), id,
                           endpoint_config(service, service.networks[i]));
  }
  co_await host_.start(caller, env, id);
  co_return id;
}

asio::awaitable<std::string> StackService::replace_for_image(const Principal& caller,
                                                             const Stack& stack,
                                                             const ComposeProject& project,
                                                             const ServiceSpec& service,
                                                             const ProjectContainer& current) {
  const auto& env = stack.environment;
  const bool was_running = current.state == "running";
  // Set aside under another name (the new one takes the canonical name) and stopped (its ports
  // are the new one's).
  const auto parked = current.name + "-previous";
  co_await host_.rename(caller, env, current.id, parked);
  if (was_running) co_await host_.stop(caller, env, current.id);
  std::string id;
  std::exception_ptr failure;
  std::string reason;
  try {
    id = co_await make_replica(caller, stack, project, service, current.number);
    co_await await_ready(caller, env, service, id);
  } catch (const Error& error) {
    failure = std::current_exception();
    reason = error.detail();
  } catch (const std::exception&) {
    failure = std::current_exception();
    reason = "an internal error";
  }
  if (!failure) {
    co_await host_.remove_container(caller, env, current.id);
    co_return id;
  }
  // Back to what ran before: the new container goes, the old one gets its name and state back.
  if (!id.empty()) co_await host_.remove_container(caller, env, id);
  co_await host_.rename(caller, env, current.id, current.name);
  if (was_running) co_await host_.start(caller, env, current.id);
  throw Error::conflict("stack_update_rolled_back",
                        "services." + service.name + ": the container for the newer image did "
                        "not become ready (" + reason + "); the previous one runs again.");
}

asio::awaitable<void> StackService::await_ready(const Principal& caller, const std::string& env,
                                                const ServiceSpec& service,
                                                const std::string& id) {
  const bool checked = service.healthcheck.has_value();
  const auto wait = checked ? settings_.dependency_timeout : settings_.settle_time;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    const auto status = co_await host_.status(caller, env, id);
    if (status.health == "healthy") co_return;
    if (status.health == "unhealthy") throw Error::conflict("unhealthy", "it is unhealthy");
    // A one-shot service's success is its exit code.
    if (status.state == "exited" || status.state == "dead") {
      if (status.exit_code == 0 && status.state == "exited") co_return;
      throw Error::conflict("exited", "it exited with code " + std::to_string(status.exit_code));
    }
    if (status.state == "restarting") throw Error::conflict("restarting", "it keeps restarting");
    if (std::chrono::steady_clock::now() >= deadline) {
      if (!checked && status.state == "running") co_return;
      throw Error::conflict("not_ready", "it was not healthy in time");
    }
    co_await pause(settings_.poll_interval);
  }
}

asio::awaitable<void> StackService::await_dependencies(
    const Principal& caller, const std::string& env, const ServiceSpec& service,
    const std::map<std::string, std::vector<std::string>>& running) {
  for (const auto& dependency : service.depends_on) {
    if (dependency.condition == Dependency::Condition::started) continue;
    const auto found = running.find(dependency.service);
    if (found == running.end()) continue;  // ordered before, so only with no replicas
    const auto deadline = std::chrono::steady_clock::now() + settings_.dependency_timeout;
    for (const auto& id : found->second) {
      for (;;) {
        const auto status = co_await host_.status(caller, env, id);
        const auto what = "services." + service.name + ".depends_on." + dependency.service + " (" +
                          condition_name(dependency.condition) + ")";
        if (dependency.condition == Dependency::Condition::healthy) {
          if (status.health == "healthy") break;
          if (status.health.empty()) {
            throw Error::invalid("stack_dependency_failed",
                                 what + ": " + dependency.service + " has no health check.");
          }
          if (status.health == "unhealthy" ||
              (status.state != "running" && status.state != "created")) {
            throw Error::conflict("stack_dependency_failed",
                                  what + ": " + dependency.service + " is " +
                                      (status.health == "unhealthy" ? "unhealthy" : status.state) +
                                      ".");
          }
        } else {
          if (status.state == "exited" || status.state == "dead") {
            if (status.exit_code == 0) break;
            throw Error::conflict("stack_dependency_failed",
                                  what + ": " + dependency.service + " exited with code " +
                                      std::to_string(status.exit_code) + ".");
          }
        }
        if (std::chrono::steady_clock::now() >= deadline) {
          throw Error(ErrorKind::timeout, "stack_dependency_timeout",
                      what + ": still waiting after " +
                          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                             settings_.dependency_timeout)
                                             .count()) +
                          " s.");
        }
        co_await pause(settings_.poll_interval);
      }
    }
  }
}

asio::awaitable<StackView> StackService::stop(const Principal& caller, std::string env,
                                              std::string name) {
  auto stack = co_await visible(caller, env, name, perm::containers_create);
  const Busy busy(*this, env + "/" + name);
  const ComposeInputs inputs{stack.name, stack.source.variables, stack.source.env_files};
  const auto project = parse_compose(stack.source.compose, inputs);
  const auto containers = co_await host_.project_containers(caller, env, stack.name);
  // Dependents stop before what they depend on.
  for (auto service = project.services.rbegin(); service != project.services.rend(); ++service) {
    for (const auto& container : containers) {
      if (container.service == service->name && container.state == "running") {
        co_await host_.stop(caller, env, container.id);
      }
    }
  }
  stack.status = "stopped";
  stack.updated_at = clock_.stamp();
  auto save = [this, &stack] { store_.update(stack); };
  co_await pool_.run(save);
  co_return co_await view(caller, std::move(stack));
}

asio::awaitable<StackView> StackService::start(const Principal& caller, std::string env,
                                               std::string name) {
  auto stack = co_await visible(caller, env, name, perm::containers_create);
  const auto project = co_await prepare(caller, env, name, stack.team_id, stack.source);
  const Busy busy(*this, env + "/" + name);
  const FreshImages unchanged;
  co_return co_await deploy(caller, std::move(stack), project, false, unchanged);
}

asio::awaitable<void> StackService::remove(const Principal& caller, std::string env,
                                           std::string name, bool volumes) {
  const auto stack = co_await visible(caller, env, name, perm::containers_delete);
  const Busy busy(*this, env + "/" + name);
  const auto containers = co_await host_.project_containers(caller, env, stack.name);
  for (const auto& container : containers) {
    co_await host_.remove_container(caller, env, container.id);
  }
  // What the file declared as the stack's own goes with it; external ones stay. A file that no
  // longer parses (a newer Dokkerr's) still lets its containers go.
  std::optional<ComposeProject> project;
  try {
    project = parse_compose(stack.source.compose, ComposeInputs{stack.name, stack.source.variables,
                                                                stack.source.env_files});
  } catch (const Error&) {
    project.reset();
  }
  if (project) {
    for (const auto& network : project->networks) {
      if (!network.external) co_await host_.remove_network(caller, env, network.name);
    }
    for (const auto& volume : project->volumes) {
      if (volumes && !volume.external) co_await host_.remove_volume(caller, env, volume.name);
    }
  }
  auto drop = [this, &stack] { store_.remove(stack.id); };
  co_await pool_.run(drop);
  const std::lock_guard lock(images_mutex_);
  images_.erase(stack.id);
}

asio::awaitable<std::vector<Stack>> StackService::list(const Principal& caller, std::string env) {
  std::optional<std::set<std::string, std::less<>>> teams;
  if (!caller.is_admin) teams = caller.teams_with(perm::containers_read);
  auto load = [this, &env, &teams] { return store_.list(env, teams); };
  co_return co_await pool_.run(load);
}

asio::awaitable<StackView> StackService::get(const Principal& caller, std::string env,
                                             std::string name) {
  auto stack = co_await visible(caller, env, name, perm::containers_read);
  co_return co_await view(caller, std::move(stack));
}

asio::awaitable<std::vector<StackVersion>> StackService::history(const Principal& caller,
                                                                 std::string env,
                                                                 std::string name) {
  const auto stack = co_await visible(caller, env, name, perm::containers_read);
  auto load = [this, &stack] { return store_.versions(stack.id, 100); };
  co_return co_await pool_.run(load);
}

asio::awaitable<std::vector<StackLogLine>> StackService::logs(const Principal& caller,
                                                              std::string env, std::string name,
                                                              std::size_t tail,
                                                              std::optional<std::string> service) {
  const auto stack = co_await visible(caller, env, name, perm::containers_logs);
  const auto containers = co_await host_.project_containers(caller, env, stack.name);
  std::vector<StackLogLine> merged;
  for (const auto& container : containers) {
    if (service && container.service != *service) continue;
    auto lines = co_await host_.logs(caller, env, container.id, tail);
    for (auto& line : lines) merged.push_back({container.service, container.name, std::move(line)});
  }
  std::stable_sort(merged.begin(), merged.end(), [](const StackLogLine& a, const StackLogLine& b) {
    return sortable_time(a.line.time) < sortable_time(b.line.time);
  });
  co_return merged;
}

asio::awaitable<StackView> StackService::view(const Principal& caller, Stack stack) {
  StackView out;
  out.containers = co_await host_.project_containers(caller, stack.environment, stack.name);
  out.stack = std::move(stack);
  co_return out;
}

}  // namespace dokkerr::stacks
