#pragma once
// Where stacks are kept: the Compose file as written, the variables and env files it was
// deployed with (sealed at rest: they hold passwords), its state, and every earlier version.
// Calls block: run them on the BlockingPool.
#include "stacks/git_source.hpp"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
class SecretSealer;
}
namespace dokkerr::store {
class Database;
}

namespace dokkerr::stacks {

// What a version of a stack is made of.
struct StackSource {
  std::string compose;
  std::map<std::string, std::string> variables;
  std::map<std::string, std::string> env_files;
};

struct Stack {
  std::string id;
  std::string environment;
  std::string name;
  std::string team_id;  // "" for an administrator's stack of no team
  StackSource source;
  int version = 0;     // of the source above; each deploy of a new source adds one
  std::string status;  // deploying, running, stopped, failed
  std::string error;   // why the last deploy failed
  // Redeployed by the image update check when a service's image has a newer digest.
  bool auto_update = false;
  // Where the file comes from when it lives in a Git repository, and the commit deployed.
  std::optional<GitLocation> git;
  std::string git_commit;
  std::string created_by, created_at, updated_at;
};

struct StackVersion {
  int version = 0;
  StackSource source;
  std::string created_by, created_at;
};

// A stack's redeploy webhook (the token itself is never kept, only its SHA-256).
struct StackHook {
  std::string stack_id;
  std::string token_hash;  // hex
  std::string created_by;  // the user it acts as
  std::string created_at;
  std::string last_used_at;  // "" before its first use
};

class StackStore {
 public:
  virtual ~StackStore() = default;
  // Error conflict "stack_exists" when the environment has a stack of that name.
  virtual void insert(const Stack& stack) = 0;
  virtual void update(const Stack& stack) = 0;
  [[nodiscard]] virtual std::optional<Stack> get(std::string_view id) = 0;
  [[nodiscard]] virtual std::optional<Stack> find(std::string_view environment,
                                                  std::string_view name) = 0;
  // nullopt teams: every stack of the environment; else those of these teams.
  [[nodiscard]] virtual std::vector<Stack> list(
      std::string_view environment,
      const std::optional<std::set<std::string, std::less<>>>& teams) = 0;
  [[nodiscard]] virtual std::size_t count(std::string_view environment) = 0;
  // Every environment's stacks that redeploy on image updates.
  [[nodiscard]] virtual std::vector<Stack> auto_updating() = 0;
  // Every environment's stacks whose file lives in a Git repository.
  [[nodiscard]] virtual std::vector<Stack> from_git() = 0;
  virtual void remove(std::string_view id) = 0;  // with its versions and its hook
  virtual void add_version(std::string_view stack_id, const StackVersion& version) = 0;
  // Newest first, at most `limit`.
  [[nodiscard]] virtual std::vector<StackVersion> versions(std::string_view stack_id,
                                                           std::size_t limit) = 0;
  // Sets (or replaces) the stack's hook.
  virtual void put_hook(const StackHook& hook) = 0;
  virtual bool remove_hook(std::string_view stack_id) = 0;
  [[nodiscard]] virtual std::optional<StackHook> hook_of(std::string_view stack_id) = 0;
  [[nodiscard]] virtual std::optional<StackHook> hook_by_token(std::string_view token_hash) = 0;
  virtual void hook_used(std::string_view stack_id, std::string_view at) = 0;
};

std::unique_ptr<StackStore> make_sql_stack_store(store::Database& db, const SecretSealer& sealer);

}  // namespace dokkerr::stacks
