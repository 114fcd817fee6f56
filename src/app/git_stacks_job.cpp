#include "app/git_stacks_job.hpp"

#include "core/audit_trail.hpp"
#include "core/blocking_pool.hpp"
#include "core/error.hpp"
#include "core/logger.hpp"
#include "core/principal.hpp"
#include "stacks/stack_hooks.hpp"
#include "stacks/stack_service.hpp"
#include "stacks/stack_store.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::app {
namespace asio = boost::asio;

asio::awaitable<void> sync_git_stacks(stacks::StackStore& store, stacks::StackService& stacks,
                                      stacks::HookActors& actors, AuditTrail& audit,
                                      BlockingPool& pool, Logger& logger) {
  auto load = [&store] { return store.from_git(); };
  const auto followed = co_await pool.run(load);
  for (const auto& stack : followed) {
    const auto actor = co_await actors.acting_as(stack.created_by);
    if (!actor) continue;  // its maker is gone: a member syncs it by hand (git-sync)
    AuditRecord entry;
    entry.action = "stacks.git_sync";
    entry.target = "stack:" + stack.environment + "/" + stack.name;
    entry.team_id = stack.team_id;
    set_actor(entry, *actor);
    std::string failure;
    bool changed = false;
    std::string commit;
    try {
      const auto sync = co_await stacks.sync_git(*actor, stack.environment, stack.name);
      changed = sync.changed;
      commit = sync.view.stack.git_commit;
    } catch (const Error& error) {
      failure = error.code();
      logger.warn("git stack not synced",
                  {{"stack", entry.target}, {"error", error.detail()}});
    }
    // Only what changed something (or failed to) is worth a line in the audit log.
    if (!changed && failure.empty()) continue;
    if (failure == "git_unreachable" || failure == "git_timeout") continue;
    entry.result = failure.empty() ? "success" : "failure";
    entry.detail_json = boost::json::serialize(
        failure.empty() ? boost::json::object{{"commit", commit}}
                        : boost::json::object{{"error", failure}});
    co_await audit.record(std::move(entry));
  }
}

}  // namespace dokkerr::app
