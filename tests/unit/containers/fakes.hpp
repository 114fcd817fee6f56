#pragma once
// In-memory stand-ins for the containers domain's ports, for unit tests of its services.
#include "containers/environment_store.hpp"
#include "containers/ownership_store.hpp"
#include "containers/resource_lookup.hpp"
#include "containers/team_directory.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace dokkerr::containers::testing {

class FakeOwnershipStore final : public OwnershipStore {
 public:
  std::optional<std::string> owner(std::string_view env, ResourceKind kind,
                                   std::string_view id) override {
    const std::lock_guard lock(mutex_);
    const auto found = records_.find(key(env, kind, id));
    if (found == records_.end()) return std::nullopt;
    return found->second.team_id;
  }
  OwnerMap owners(std::string_view env, ResourceKind kind) override {
    const std::lock_guard lock(mutex_);
    OwnerMap out;
    for (const auto& [k, record] : records_) {
      if (std::get<0>(k) == env && std::get<1>(k) == kind)
        out.emplace(std::get<2>(k), record.team_id);
    }
    return out;
  }
  void put(const OwnerRecord& record) override {
    const std::lock_guard lock(mutex_);
    records_.insert_or_assign(key(record.environment_id, record.kind, record.resource_id), record);
  }
  void remove(std::string_view env, ResourceKind kind, std::string_view id) override {
    const std::lock_guard lock(mutex_);
    records_.erase(key(env, kind, id));
  }

  [[nodiscard]] std::optional<OwnerRecord> record(std::string_view env, ResourceKind kind,
                                                  std::string_view id) const {
    const std::lock_guard lock(mutex_);
    const auto found = records_.find(key(env, kind, id));
    if (found == records_.end()) return std::nullopt;
    return found->second;
  }
  [[nodiscard]] std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return records_.size();
  }

 private:
  using Key = std::tuple<std::string, ResourceKind, std::string>;
  static Key key(std::string_view env, ResourceKind kind, std::string_view id) {
    return {std::string(env), kind, std::string(id)};
  }
  mutable std::mutex mutex_;
  std::map<Key, OwnerRecord> records_;
};

class FakeTeamDirectory final : public TeamDirectory {
 public:
  void add(std::string team_id, policy::Policy policy = {}) {
    const std::lock_guard lock(mutex_);
    teams_.insert_or_assign(std::move(team_id), std::move(policy));
  }
  bool exists(std::string_view team_id) override {
    const std::lock_guard lock(mutex_);
    return teams_.contains(std::string(team_id));
  }
  policy::Policy container_policy(std::string_view team_id) override {
    const std::lock_guard lock(mutex_);
    const auto found = teams_.find(std::string(team_id));
    return found == teams_.end() ? policy::Policy{} : found->second;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, policy::Policy> teams_;
};

// An engine's containers, networks and volumes by id, id prefix and name, as the engine resolves
// them (volumes by name only).
class FakeResourceLookup final : public ResourceLookup {
 public:
  struct Object {
    ResourceKind kind;
    std::string id, name;
    std::optional<std::string> team_label;  // nullopt: no label at all
  };

  void add(ResourceKind kind, std::string id, std::string name,
           std::optional<std::string> team_label = std::nullopt) {
    const std::lock_guard lock(mutex_);
    objects_.push_back(Object{kind, std::move(id), std::move(name), std::move(team_label)});
  }
  // Every call after this fails as an engine that cannot be reached does.
  void go_down() { down_ = true; }

  boost::asio::awaitable<EngineObject> inspect(std::string env, ResourceKind kind,
                                               std::string ref) override {
    ++inspections_;
    check_up(env);
    const auto found = find(kind, ref);
    if (!found) {
      const std::string what(kind_name(kind));
      throw Error::not_found(what + "_not_found", "No such " + what + ": " + ref);
    }
    co_return EngineObject{found->id, found->team_label.value_or("")};
  }

  boost::asio::awaitable<void> create_volume(std::string env, std::string name,
                                             std::string team_id) override {
    check_up(env);
    created_volumes_.push_back(name);
    add(ResourceKind::volume, name, name, team_id);
    co_return;
  }

  boost::asio::awaitable<std::string> create_team_network(std::string env, std::string name,
                                                          std::string team_id) override {
    check_up(env);
    if (find(ResourceKind::network, name)) {
      throw Error(ErrorKind::conflict, "network_conflict", "network " + name + " exists");
    }
    const auto id = "net-" + name;
    created_networks_.push_back(name);
    add(ResourceKind::network, id, name, team_id);
    co_return id;
  }

  std::optional<std::string> container_team(std::string_view, std::string_view ref) const override {
    const auto found = find(ResourceKind::container, ref);
    if (!found) return std::nullopt;
    return found->team_label;
  }

  [[nodiscard]] int inspections() const { return inspections_; }
  [[nodiscard]] const std::vector<std::string>& created_volumes() const { return created_volumes_; }
  [[nodiscard]] const std::vector<std::string>& created_networks() const {
    return created_networks_;
  }

 private:
  void check_up(std::string_view env) const {
    if (env != "local") throw Error::not_found("environment_not_found", "No environment.");
    if (down_) throw Error::unavailable("engine_unavailable", "The engine is unreachable.");
  }
  std::optional<Object> find(ResourceKind kind, std::string_view ref) const {
    const std::lock_guard lock(mutex_);
    std::vector<const Object*> by_prefix;
    for (const auto& object : objects_) {
      if (object.kind != kind) continue;
      if (object.id == ref || object.name == ref) return object;
      if (kind != ResourceKind::volume && !ref.empty() && object.id.starts_with(ref)) {
        by_prefix.push_back(&object);
      }
    }
    if (by_prefix.size() == 1) return *by_prefix.front();
    return std::nullopt;
  }

  mutable std::mutex mutex_;
  std::vector<Object> objects_;
  std::vector<std::string> created_volumes_;
  std::vector<std::string> created_networks_;
  int inspections_ = 0;
  bool down_ = false;
};

class FakeEnvironmentStore final : public EnvironmentStore {
 public:
  std::vector<EnvironmentRecord> list() override {
    const std::lock_guard lock(mutex_);
    std::vector<EnvironmentRecord> out;
    for (const auto& [id, record] : records_) out.push_back(record);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
  }
  std::optional<EnvironmentRecord> find(std::string_view id) override {
    const std::lock_guard lock(mutex_);
    const auto found = records_.find(std::string(id));
    if (found == records_.end()) return std::nullopt;
    return found->second;
  }
  void insert(const EnvironmentRecord& record) override {
    const std::lock_guard lock(mutex_);
    for (const auto& [id, other] : records_) {
      if (id == record.id || other.name == record.name) {
        throw Error::conflict("environment_name_conflict", "An environment of that name exists.");
      }
    }
    records_.emplace(record.id, record);
  }
  void update(const EnvironmentRecord& record) override {
    const std::lock_guard lock(mutex_);
    const auto found = records_.find(record.id);
    if (found == records_.end()) throw Error::not_found("environment_not_found", "No environment.");
    for (const auto& [id, other] : records_) {
      if (id != record.id && other.name == record.name) {
        throw Error::conflict("environment_name_conflict", "An environment of that name exists.");
      }
    }
    auto updated = record;
    updated.created_at = found->second.created_at;
    found->second = std::move(updated);
  }
  bool remove(std::string_view id) override {
    const std::lock_guard lock(mutex_);
    return records_.erase(std::string(id)) > 0;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, EnvironmentRecord> records_;
};

}  // namespace dokkerr::containers::testing
