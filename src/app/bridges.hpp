#pragma once
// Ports that one domain declares and another domain's stores fill, connected here so that no
// domain includes another. Each bridge is a few lines over the other domain's public API.
#include "backup/audit_archives.hpp"
#include "backup/volume_backups.hpp"
#include "containers/live_stats.hpp"
#include "containers/registry_logins.hpp"
#include "containers/team_directory.hpp"
#include "containers/upload_spool.hpp"
#include "core/blocking_pool.hpp"
#include "core/secret_sealer.hpp"
#include "gateway/rate_limiter.hpp"
#include "monitoring/engine_stats.hpp"
#include "monitoring/history_routes.hpp"
#include "monitoring/targets.hpp"
#include "objects/object_store.hpp"
#include "registries/registry_service.hpp"
#include "registries/update_checker.hpp"
#include "stacks/stack_hooks.hpp"
#include "users/avatar_service.hpp"

#include <chrono>
#include <map>
#include <mutex>

namespace dokkerr {
class Logger;
}  // namespace dokkerr
namespace dokkerr::users {
class AccessModel;
class OrganizationStore;
class TeamStore;
class UserStore;
}
namespace dokkerr::cache {
class RedisBuckets;
}
namespace dokkerr::crypto {
class SecretBox;
}
namespace dokkerr::containers {
class EnvironmentService;
class ResourceLookup;
class TenancyService;
}  // namespace dokkerr::containers
namespace dokkerr::monitoring {
class RecentWindow;
}
namespace dokkerr::audit {
class AuditLog;
}

namespace dokkerr::app {

// containers' view of teams, over the teams the users domain keeps.
class TeamDirectoryBridge final : public containers::TeamDirectory {
 public:
  explicit TeamDirectoryBridge(users::TeamStore& teams) : teams_(teams) {}
  [[nodiscard]] bool exists(std::string_view team_id) override;
  [[nodiscard]] policy::Policy container_policy(std::string_view team_id) override;

 private:
  users::TeamStore& teams_;
};

// registries' view of teams and organizations, over the users domain's stores.
class RegistryScopesBridge final : public registries::Scopes {
 public:
  RegistryScopesBridge(users::TeamStore& teams, users::OrganizationStore& organizations)
      : teams_(teams), organizations_(organizations) {}
  [[nodiscard]] std::optional<std::string> organization_of_team(std::string_view team) override;
  [[nodiscard]] bool organization_exists(std::string_view organization) override;

 private:
  users::TeamStore& teams_;
  users::OrganizationStore& organizations_;
};

// The logins of stored registries, for the engine's pulls and pushes.
class StoredRegistryLogins final : public containers::RegistryLogins {
 public:
  explicit StoredRegistryLogins(registries::RegistryService& registries)
      : registries_(registries) {}
  boost::asio::awaitable<std::optional<containers::RegistryCredentials>> login_for(
      const Principal& caller, std::string team, std::string registry) override;

 private:
  registries::RegistryService& registries_;
};

// Accounts as callers for stack webhooks: the account's roles now, as a sign-in would get them.
class AccountHookActors final : public stacks::HookActors {
 public:
  AccountHookActors(users::UserStore& users, users::AccessModel& access, BlockingPool& pool)
      : users_(users), access_(access), pool_(pool) {}
  boost::asio::awaitable<std::shared_ptr<const Principal>> acting_as(
      std::string user_id) override;

 private:
  users::UserStore& users_;
  users::AccessModel& access_;
  BlockingPool& pool_;
};

// The images the engines' running containers use, for image update checks.
class EngineLocalImages final : public registries::LocalImages {
 public:
  explicit EngineLocalImages(containers::EnvironmentService& environments)
      : environments_(environments) {}
  [[nodiscard]] std::vector<std::string> environments() override;
  boost::asio::awaitable<std::vector<registries::ImageInUse>> in_use(
      std::string environment) override;

 private:
  containers::EnvironmentService& environments_;
};

// The gateway's shared buckets, kept in Redis.
class RedisBucketsBridge final : public gateway::SharedBuckets {
 public:
  explicit RedisBucketsBridge(cache::RedisBuckets& buckets) : buckets_(buckets) {}
  boost::asio::awaitable<std::optional<Take>> take(std::string key,
                                                   const gateway::BucketRule& rule) override;

 private:
  cache::RedisBuckets& buckets_;
};

// Secrets at rest in any domain's store, sealed under the master key.
class SecretBoxSealer final : public SecretSealer {
 public:
  explicit SecretBoxSealer(const crypto::SecretBox& box) : box_(box) {}
  [[nodiscard]] std::string seal(std::string_view plaintext,
                                 std::string_view context) const override;
  [[nodiscard]] std::string open(std::string_view sealed, std::string_view context) const override;
  [[nodiscard]] bool is_sealed(std::string_view value) const override;

 private:
  const crypto::SecretBox& box_;
};

// The collector's targets: the running containers the engines' models know, located by an
// inspect, sampled by the engine where they are not on this host.
class ContainerTargets final : public monitoring::TargetSource {
 public:
  explicit ContainerTargets(containers::EnvironmentService& environments)
      : environments_(environments) {}
  boost::asio::awaitable<monitoring::Inventory> running() override;
  boost::asio::awaitable<std::optional<monitoring::TargetDetails>> details(
      const monitoring::Target& target) override;
  boost::asio::awaitable<std::optional<monitoring::CounterSample>> engine_sample(
      const monitoring::Target& target, std::int64_t at_ms) override;
  boost::asio::awaitable<std::optional<monitoring::ExitState>> exit_state(
      const monitoring::Target& target) override;
  [[nodiscard]] bool exists(std::string_view environment, std::string_view id) const override;
  [[nodiscard]] std::optional<std::string> label(std::string_view environment, std::string_view id,
                                                 std::string_view key) const override;
  boost::asio::awaitable<std::vector<monitoring::EngineFacts>> engines() override;

 private:
  // The engine's disk usage report is slow (it walks layers and volumes): read in the background
  // at most this often per environment, and served from here meanwhile.
  static constexpr auto kDiskRefresh = std::chrono::minutes(5);
  struct DiskReading {
    std::optional<monitoring::EngineFacts::Disk> disk;
    std::chrono::steady_clock::time_point read_at{};
    bool reading = false;
  };
  boost::asio::awaitable<void> read_disk(std::string environment);

  containers::EnvironmentService& environments_;
  std::mutex disk_mutex_;
  std::map<std::string, DiskReading, std::less<>> disk_;
};

// The containers domain's stats routes, answered from what the collector holds.
class CollectedStats final : public containers::LiveStats {
 public:
  CollectedStats(const monitoring::RecentWindow& window, monitoring::HostFacts host)
      : window_(window), host_(host) {}
  [[nodiscard]] bool covers(std::string_view environment) const override;
  [[nodiscard]] std::optional<boost::json::object> compact(std::string_view environment,
                                                           std::string_view id) const override;
  [[nodiscard]] std::optional<boost::json::object> engine_document(
      std::string_view environment, std::string_view id) const override;

 private:
  const monitoring::RecentWindow& window_;
  monitoring::HostFacts host_;
};

// Metrics history visibility by the tenancy rules: containers:read in the team that owned the
// container in its environment; admins everything, and nobody else containers of no team.
class TenancyHistoryAccess final : public monitoring::HistoryAccess {
 public:
  explicit TenancyHistoryAccess(const containers::TenancyService& tenancy) : tenancy_(tenancy) {}
  [[nodiscard]] monitoring::HistoryVisibility visibility_for(
      const Principal& caller) const override;

 private:
  const containers::TenancyService& tenancy_;
};

// Volume backups' view of the engines: access and owners by the containers domain's tenancy.
class TenancyVolumeHost final : public backup::VolumeHost {
 public:
  TenancyVolumeHost(containers::EnvironmentService& environments,
                    containers::TenancyService& tenancy, containers::ResourceLookup& lookup)
      : environments_(environments), tenancy_(tenancy), lookup_(lookup) {}
  boost::asio::awaitable<backup::VolumeRef> resolve(const Principal& caller,
                                                    std::string environment, std::string name,
                                                    std::string_view permission) override;
  boost::asio::awaitable<bool> exists(std::string environment, std::string name) override;
  boost::asio::awaitable<void> create(std::string environment, std::string name,
                                      std::string team_id) override;
  boost::asio::awaitable<void> remove(std::string environment, std::string name) override;
  std::shared_ptr<docker::Client> engine(std::string environment) override;
  boost::asio::awaitable<backup::ContainerRef> resolve_container(
      const Principal& caller, std::string environment, std::string ref,
      std::string_view permission) override;

 private:
  containers::EnvironmentService& environments_;
  containers::TenancyService& tenancy_;
  containers::ResourceLookup& lookup_;
};

// Audit log archives read the audit domain's log and its hashing rules.
class AuditLogSource final : public backup::AuditSource {
 public:
  explicit AuditLogSource(audit::AuditLog& log) : log_(log) {}
  std::size_t export_after(
      std::int64_t after_seq, std::size_t limit,
      const std::function<void(const backup::AuditLine&, std::string_view line)>& sink) override;
  backup::AuditLine rehash(std::string_view line) override;

 private:
  audit::AuditLog& log_;
};

// Avatars in the object store, one object per account (avatars/<user id>).
class ObjectAvatarStore final : public users::AvatarStore {
 public:
  explicit ObjectAvatarStore(objects::ObjectStore& store) : store_(store) {}
  void put(const std::string& user_id, const std::string& bytes) override;
  std::optional<std::string> get(const std::string& user_id) override;
  void remove(const std::string& user_id) override;

 private:
  objects::ObjectStore& store_;
};

// Uploaded image tarballs wait under uploads/images/ in the object store until they are whole.
class ObjectUploadSpool final : public containers::UploadSpool {
 public:
  ObjectUploadSpool(objects::ObjectStore& store, BlockingPool& pool, Logger& logger)
      : store_(store), pool_(pool), logger_(logger) {}
  boost::asio::awaitable<containers::KeptUpload> keep(containers::UploadSource source) override;
  boost::asio::awaitable<void> replay(const containers::KeptUpload& upload,
                                      containers::UploadSink sink) override;
  boost::asio::awaitable<void> discard(const containers::KeptUpload& upload) override;
  // Drops what a stopped process left there: uploads begun, or kept, before older_than_unix.
  void sweep(std::int64_t older_than_unix);

 private:
  objects::ObjectStore& store_;
  BlockingPool& pool_;
  Logger& logger_;
};

// This host's CPUs and memory (what the engine reports as an unlimited container's limit).
monitoring::HostFacts host_facts();

}  // namespace dokkerr::app
