#include "app/bridges.hpp"

#include "audit/audit_log.hpp"
#include "cache/redis_buckets.hpp"
#include "containers/engine.hpp"
#include "containers/engine_call.hpp"
#include "containers/environment_service.hpp"
#include "containers/resource_lookup.hpp"
#include "containers/tenancy_service.hpp"
#include "core/error.hpp"
#include "core/logger.hpp"
#include "core/permissions.hpp"
#include "crypto/primitives.hpp"
#include "crypto/secret_box.hpp"
#include "docker/client.hpp"
#include "docker/errors.hpp"
#include "monitoring/recent_window.hpp"
#include "objects/object_transfer.hpp"
#include "users/access_model.hpp"
#include "users/organization_store.hpp"
#include "users/user_store.hpp"
#include "users/team_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <unistd.h>

namespace dokkerr::app {
namespace {

double number_at(const boost::json::object* parent, std::string_view key) {
  if (parent == nullptr) return 0;
  const auto* value = parent->if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_int64()) return static_cast<double>(value->get_int64());
  if (value->is_uint64()) return static_cast<double>(value->get_uint64());
  if (value->is_double()) return value->get_double();
  return 0;
}

const boost::json::object* object_at(const boost::json::object* parent, std::string_view key) {
  if (parent == nullptr) return nullptr;
  const auto* value = parent->if_contains(key);
  return value == nullptr ? nullptr : value->if_object();
}

}  // namespace

bool TeamDirectoryBridge::exists(std::string_view team_id) {
  return teams_.find(team_id).has_value();
}

policy::Policy TeamDirectoryBridge::container_policy(std::string_view team_id) {
  const auto team = teams_.find(team_id);
  return team ? policy::policy_from_json(team->policy_json) : policy::Policy{};
}

std::optional<std::string> RegistryScopesBridge::organization_of_team(std::string_view team) {
  auto found = teams_.find(team);
  if (!found) return std::nullopt;
  return std::move(found->org_id);
}

bool RegistryScopesBridge::organization_exists(std::string_view organization) {
  return organizations_.find(organization).has_value();
}

boost::asio::awaitable<std::optional<containers::RegistryCredentials>>
StoredRegistryLogins::login_for(const Principal& caller, std::string team, std::string registry) {
  auto stored = co_await registries_.login_for(caller, std::move(team), std::move(registry));
  if (!stored || stored->username.empty()) co_return std::nullopt;
  containers::RegistryCredentials login;
  login.username = stored->username;
  login.password = stored->password;
  login.serveraddress = stored->address;
  co_return login;
}

boost::asio::awaitable<std::shared_ptr<const Principal>> AccountHookActors::acting_as(
    std::string user_id) {
  auto load = [this, &user_id]() -> std::shared_ptr<const Principal> {
    const auto user = users_.find(user_id);
    if (!user || user->disabled) return nullptr;
    auto principal = access_.principal_for(*user);
    principal->auth_method = "webhook";
    return principal;
  };
  co_return co_await pool_.run(load);
}

std::vector<std::string> EngineLocalImages::environments() {
  std::vector<std::string> out;
  for (const auto& [environment, state] : environments_.states()) {
    if (state.status == containers::EngineStatus::up) out.push_back(environment);
  }
  return out;
}

boost::asio::awaitable<std::vector<registries::ImageInUse>> EngineLocalImages::in_use(
    std::string environment) {
  auto engine = environments_.engine_up(environment);
  // Reference → what runs it; the image's id is inspected once per reference.
  std::map<std::string, std::pair<std::string, std::set<std::string, std::less<>>>> used;
  for (const auto& container : engine->model().running()) {
    if (container.image.empty()) continue;
    auto& [image_id, teams] = used[container.image];
    image_id = container.image_id;
    teams.insert(container.team);
  }
  std::vector<registries::ImageInUse> out;
  for (auto& [reference, usage] : used) {
    registries::ImageInUse image;
    image.reference = reference;
    image.teams = std::move(usage.second);
    try {
      const auto inspected = co_await containers::call_json(
          *engine, docker::Verb::get, "/images/" + usage.first + "/json", "image");
      const auto* doc = inspected.if_object();
      const auto* digests = doc == nullptr ? nullptr : doc->if_contains("RepoDigests");
      if (digests != nullptr && digests->is_array()) {
        for (const auto& digest : digests->as_array()) {
          if (digest.is_string()) image.repo_digests.emplace_back(digest.as_string());
        }
      }
    } catch (const Error&) {
      continue;  // removed meanwhile
    }
    out.push_back(std::move(image));
  }
  co_return out;
}

boost::asio::awaitable<std::optional<gateway::SharedBuckets::Take>> RedisBucketsBridge::take(
    std::string key, const gateway::BucketRule& rule) {
  const auto taken = co_await buckets_.take(std::move(key), rule.burst, rule.per_minute / 60.0);
  if (!taken) co_return std::nullopt;
  co_return Take{taken->allowed, taken->tokens_left};
}

std::string SecretBoxSealer::seal(std::string_view plaintext, std::string_view context) const {
  return box_.seal(plaintext, context);
}

std::string SecretBoxSealer::open(std::string_view sealed, std::string_view context) const {
  return box_.open(sealed, context);
}

bool SecretBoxSealer::is_sealed(std::string_view value) const {
  return crypto::SecretBox::looks_sealed(value);
}

boost::asio::awaitable<monitoring::Inventory> ContainerTargets::running() {
  monitoring::Inventory inventory;
  for (const auto& [environment, state] : environments_.states()) {
    if (state.status != containers::EngineStatus::up) continue;
    std::shared_ptr<containers::Engine> engine;
    try {
      engine = environments_.engine(environment);
    } catch (const Error&) {
      continue;  // removed meanwhile
    }
    // A unix socket is an engine of this kernel: its containers' cgroups are readable here.
    const bool here = engine->client().endpoint().kind == docker::Endpoint::Kind::unix_socket;
    inventory.environments.push_back(environment);
    for (auto& container : engine->model().running()) {
      inventory.targets.push_back(
          monitoring::Target{environment, std::move(container.id), std::move(container.name),
                             std::move(container.team), here, std::move(container.health)});
    }
  }
  co_return inventory;
}

boost::asio::awaitable<std::optional<monitoring::TargetDetails>> ContainerTargets::details(
    const monitoring::Target& target) {
  try {
    auto engine = environments_.engine_up(target.environment);
    const auto inspect = co_await containers::call_json(
        *engine, docker::Verb::get, "/containers/" + target.id + "/json", "container");
    const auto* doc = inspect.if_object();
    const auto* state = object_at(doc, "State");
    const auto* host = object_at(doc, "HostConfig");
    monitoring::TargetDetails details;
    details.pid = target.on_this_host ? static_cast<std::int64_t>(number_at(state, "Pid")) : 0;
    details.restart_count = static_cast<std::int64_t>(number_at(doc, "RestartCount"));
    if (const auto nano = number_at(host, "NanoCpus"); nano > 0) {
      details.cpu_limit_cores = nano / 1e9;
    } else if (const auto quota = number_at(host, "CpuQuota"); quota > 0) {
      const auto period = number_at(host, "CpuPeriod");
      details.cpu_limit_cores = quota / (period > 0 ? period : 100000.0);
    }
    co_return details;
  } catch (const Error&) {
    co_return std::nullopt;  // gone, or its engine is
  }
}

boost::asio::awaitable<std::optional<monitoring::CounterSample>> ContainerTargets::engine_sample(
    const monitoring::Target& target, std::int64_t at_ms) {
  try {
    auto engine = environments_.engine_up(target.environment);
    const auto stats = co_await containers::call_json(
        *engine, docker::Verb::get,
        "/containers/" + target.id + "/stats?stream=false&one-shot=true", "container");
    const auto* doc = stats.if_object();
    if (doc == nullptr) co_return std::nullopt;
    co_return monitoring::counters_from_engine_stats(*doc, at_ms);
  } catch (const Error&) {
    co_return std::nullopt;
  }
}

boost::asio::awaitable<std::optional<monitoring::ExitState>> ContainerTargets::exit_state(
    const monitoring::Target& target) {
  try {
    auto engine = environments_.engine_up(target.environment);
    const auto inspect = co_await containers::call_json(
        *engine, docker::Verb::get, "/containers/" + target.id + "/json", "container");
    const auto* state = object_at(inspect.if_object(), "State");
    if (state == nullptr) co_return std::nullopt;
    // Missed by one round only (its counters moved to a new process): it did not stop.
    const auto* running = state->if_contains("Running");
    if (running != nullptr && running->is_bool() && running->as_bool()) co_return std::nullopt;
    monitoring::ExitState exit;
    exit.exit_code = static_cast<std::int64_t>(number_at(state, "ExitCode"));
    const auto* oom = state->if_contains("OOMKilled");
    exit.oom_killed = oom != nullptr && oom->is_bool() && oom->as_bool();
    co_return exit;
  } catch (const Error&) {
    co_return std::nullopt;  // removed, or its engine is away
  }
}

std::optional<std::string> ContainerTargets::label(std::string_view environment,
                                                   std::string_view id,
                                                   std::string_view key) const {
  try {
    return environments_.engine(std::string(environment))->model().label(id, key);
  } catch (const Error&) {
    return std::nullopt;
  }
}

bool ContainerTargets::exists(std::string_view environment, std::string_view id) const {
  try {
    return environments_.engine(std::string(environment))->model().resolve(id).has_value();
  } catch (const Error&) {
    return true;  // an engine that is away says nothing about its containers
  }
}

boost::asio::awaitable<void> ContainerTargets::read_disk(std::string environment) {
  std::optional<monitoring::EngineFacts::Disk> disk;
  try {
    auto engine = environments_.engine_up(environment);
    const auto df =
        co_await containers::call_json(*engine, docker::Verb::get, "/system/df", "system");
    const auto* doc = df.if_object();
    monitoring::EngineFacts::Disk found;
    found.images = static_cast<std::uint64_t>(std::max(0.0, number_at(doc, "LayersSize")));
    auto sum = [doc](std::string_view list, auto size_of) {
      double total = 0;
      const auto* items = doc != nullptr ? doc->if_contains(list) : nullptr;
      if (items == nullptr || !items->is_array()) return std::uint64_t{0};
      for (const auto& item : items->as_array()) {
        if (item.is_object()) total += std::max(0.0, size_of(item.as_object()));
      }
      return static_cast<std::uint64_t>(total);
    };
    found.containers =
        sum("Containers", [](const boost::json::object& c) { return number_at(&c, "SizeRw"); });
    found.volumes = sum("Volumes", [](const boost::json::object& v) {
      return number_at(object_at(&v, "UsageData"), "Size");
    });
    found.build_cache =
        sum("BuildCache", [](const boost::json::object& b) { return number_at(&b, "Size"); });
    disk = found;
  } catch (const Error&) {
    // Down or refusing: the previous reading stays, and the next round asks again later.
  }
  const std::lock_guard lock(disk_mutex_);
  auto& reading = disk_[environment];
  if (disk) reading.disk = disk;
  reading.reading = false;
}

boost::asio::awaitable<std::vector<monitoring::EngineFacts>> ContainerTargets::engines() {
  std::vector<monitoring::EngineFacts> out;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [environment, state] : environments_.states()) {
    monitoring::EngineFacts facts;
    facts.environment = environment;
    facts.up = state.status == containers::EngineStatus::up;
    if (facts.up) {
      try {
        const auto counts = environments_.engine(environment)->model().counts();
        facts.running = counts.running;
        facts.paused = counts.paused;
        facts.stopped = counts.stopped;
        facts.total = counts.total;
      } catch (const Error&) {
        continue;  // removed meanwhile
      }
    }
    bool refresh = false;
    {
      const std::lock_guard lock(disk_mutex_);
      auto& reading = disk_[environment];
      facts.disk = reading.disk;
      if (facts.up && !reading.reading &&
          (reading.read_at == std::chrono::steady_clock::time_point{} ||
           now - reading.read_at >= kDiskRefresh)) {
        reading.reading = true;
        reading.read_at = now;
        refresh = true;
      }
    }
    if (refresh) {
      boost::asio::co_spawn(co_await boost::asio::this_coro::executor, read_disk(environment),
                            boost::asio::detached);
    }
    out.push_back(std::move(facts));
  }
  {
    // Environments that were removed are forgotten.
    const std::lock_guard lock(disk_mutex_);
    std::erase_if(disk_, [&](const auto& entry) {
      return std::ranges::none_of(
          out, [&](const auto& facts) { return facts.environment == entry.first; });
    });
  }
  co_return out;
}

bool CollectedStats::covers(std::string_view environment) const {
  return window_.covers(environment);
}

std::optional<boost::json::object> CollectedStats::compact(std::string_view environment,
                                                           std::string_view id) const {
  const auto latest = window_.latest(environment, id);
  if (!latest) return std::nullopt;
  const auto rates = monitoring::rates_of(*latest);
  const auto& now = latest->current;
  boost::json::object out;
  out["cpu_percent"] =
      rates.cpu_percent ? boost::json::value(*rates.cpu_percent) : boost::json::value(nullptr);
  out["memory_bytes"] = rates.memory_bytes;
  out["memory_limit_bytes"] =
      now.memory_limit != 0 ? boost::json::value(now.memory_limit) : boost::json::value(nullptr);
  out["network_rx_bytes"] = now.net_rx_bytes;
  out["network_tx_bytes"] = now.net_tx_bytes;
  out["block_read_bytes"] = now.block_read_bytes;
  out["block_write_bytes"] = now.block_write_bytes;
  out["pids"] = now.pids;
  out["read"] = monitoring::rfc3339(now.at_ms);
  out["at_ms"] = now.at_ms;
  return out;
}

std::optional<boost::json::object> CollectedStats::engine_document(std::string_view environment,
                                                                   std::string_view id) const {
  const auto latest = window_.latest(environment, id);
  if (!latest) return std::nullopt;
  return monitoring::engine_stats_document(latest->current, latest->previous, host_);
}

monitoring::HistoryVisibility TenancyHistoryAccess::visibility_for(const Principal& caller) const {
  // The caller is copied: the query may run after the request's context is gone.
  return [&tenancy = tenancy_, caller](std::string_view environment, std::string_view team) {
    const auto teams = tenancy.visible_teams(caller, environment, perm::containers_read);
    if (!teams) return true;
    return !team.empty() && teams->contains(team);
  };
}

monitoring::HostFacts host_facts() {
  monitoring::HostFacts facts;
  const auto cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  facts.online_cpus = cpus > 0 ? static_cast<unsigned>(cpus) : 1;
  const auto pages = ::sysconf(_SC_PHYS_PAGES);
  const auto page = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) {
    facts.memory_bytes = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
  }
  return facts;
}

namespace asio = boost::asio;

asio::awaitable<backup::VolumeRef> TenancyVolumeHost::resolve(const Principal& caller,
                                                              std::string environment,
                                                              std::string name,
                                                              std::string_view permission) {
  const auto allowed = co_await tenancy_.resolve(
      caller, environment, containers::ResourceKind::volume, name, permission);
  const auto owner =
      co_await tenancy_.owner_of(environment, containers::ResourceKind::volume, allowed.id);
  co_return backup::VolumeRef{environment, owner.id, owner.team};
}

asio::awaitable<bool> TenancyVolumeHost::exists(std::string environment, std::string name) {
  try {
    static_cast<void>(
        co_await lookup_.inspect(environment, containers::ResourceKind::volume, name));
  } catch (const Error& error) {
    if (error.code() == "volume_not_found") co_return false;
    throw;
  }
  co_return true;
}

asio::awaitable<void> TenancyVolumeHost::create(std::string environment, std::string name,
                                                std::string team_id) {
  co_await lookup_.create_volume(environment, name, team_id);
  co_await tenancy_.record_owner(environment, containers::ResourceKind::volume, name, team_id);
}

asio::awaitable<void> TenancyVolumeHost::remove(std::string environment, std::string name) {
  auto client = engine(environment);
  static_cast<void>(
      co_await client->request(docker::Verb::delete_, "/volumes/" + name + "?force=1"));
  co_await tenancy_.forget(environment, containers::ResourceKind::volume, name);
}

asio::awaitable<backup::ContainerRef> TenancyVolumeHost::resolve_container(
    const Principal& caller, std::string environment, std::string ref,
    std::string_view permission) {
  const auto allowed = co_await tenancy_.resolve(
      caller, environment, containers::ResourceKind::container, ref, permission);
  const auto owner =
      co_await tenancy_.owner_of(environment, containers::ResourceKind::container, allowed.id);
  auto client = engine(environment);
  const auto inspect =
      co_await client->request(docker::Verb::get, "/containers/" + owner.id + "/json");
  if (inspect.status == 404) throw Error::not_found("container_not_found", "No such container.");
  if (!inspect.ok()) throw docker::map_engine_error(inspect.status, inspect.body, "container");
  const auto body = boost::json::parse(inspect.body).as_object();
  backup::ContainerRef out{environment, owner.id, "", owner.team, false};
  if (const auto* name = body.if_contains("Name"); name != nullptr && name->is_string()) {
    out.name = std::string(name->as_string());
    if (out.name.starts_with('/')) out.name.erase(0, 1);
  }
  if (const auto* config = body.if_contains("Config"); config != nullptr && config->is_object()) {
    if (const auto* tty = config->as_object().if_contains("Tty");
        tty != nullptr && tty->is_bool()) {
      out.tty = tty->as_bool();
    }
  }
  co_return out;
}

std::shared_ptr<docker::Client> TenancyVolumeHost::engine(std::string environment) {
  auto engine = environments_.engine_up(environment);
  docker::Client& client = engine->client();
  return {std::move(engine), &client};  // shares the engine's lifetime
}

std::size_t AuditLogSource::export_after(
    std::int64_t after_seq, std::size_t limit,
    const std::function<void(const backup::AuditLine&, std::string_view line)>& sink) {
  return log_.export_after(after_seq, limit,
                           [&sink](const audit::AuditEntry& entry, std::string_view line) {
                             sink({entry.seq, entry.prev_hash, entry.hash}, line);
                           });
}

backup::AuditLine AuditLogSource::rehash(std::string_view line) {
  const auto entry = audit::parse_export_line(line);
  return {entry.seq, entry.prev_hash, audit::entry_hash(entry)};
}

void ObjectAvatarStore::put(const std::string& user_id, const std::string& bytes) {
  store_.put("avatars/" + user_id, bytes);
}

std::optional<std::string> ObjectAvatarStore::get(const std::string& user_id) {
  try {
    return store_.get_all("avatars/" + user_id, 8U * 1024U * 1024U);
  } catch (const Error& error) {
    if (error.kind() == ErrorKind::not_found) return std::nullopt;
    throw;
  }
}

void ObjectAvatarStore::remove(const std::string& user_id) {
  store_.remove("avatars/" + user_id);
}

namespace {
constexpr std::string_view kUploadPrefix = "uploads/images/";
}  // namespace

boost::asio::awaitable<containers::KeptUpload> ObjectUploadSpool::keep(
    containers::UploadSource source) {
  containers::KeptUpload kept;
  kept.name = std::string(kUploadPrefix) + crypto::hex_encode(crypto::random_bytes(12)) + ".tar";
  const auto info = co_await objects::write_object(store_, kept.name, pool_, std::move(source));
  kept.size = info.size;
  co_return kept;
}

boost::asio::awaitable<void> ObjectUploadSpool::replay(const containers::KeptUpload& upload,
                                                       containers::UploadSink sink) {
  co_await objects::read_object(store_, upload.name, pool_, std::move(sink));
}

boost::asio::awaitable<void> ObjectUploadSpool::discard(const containers::KeptUpload& upload) {
  auto drop = [this, &upload] {
    try {
      store_.remove(upload.name);
    } catch (const std::exception& error) {
      // Left for the next start's sweep.
      logger_.warn("cannot drop an uploaded tarball",
                   {{"key", upload.name}, {"error", error.what()}});
    }
  };
  co_await pool_.run(drop);
}

void ObjectUploadSpool::sweep(std::int64_t older_than_unix) {
  store_.drop_abandoned_uploads(kUploadPrefix, older_than_unix);
  std::optional<std::string> cursor;
  do {
    auto page = store_.list(kUploadPrefix, cursor, 1000);
    for (const auto& item : page.items) {
      if (item.modified_unix < older_than_unix) store_.remove(item.key);
    }
    cursor = std::move(page.next_cursor);
  } while (cursor);
}

}  // namespace dokkerr::app
