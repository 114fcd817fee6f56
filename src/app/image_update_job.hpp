#pragma once
// The image update check on a schedule, on the replica holding the scheduler lease: every
// environment's running images against their registries, then the auto-update stacks whose
// images have a newer digest redeployed (StackService::redeploy: only what runs an older image
// is replaced, and rolled back when the new one does not become ready), each as the account
// that made the stack, with its roles now. Every such redeploy is audited
// (stacks.auto_update).
#include "core/audit_trail.hpp"
#include "core/event_sink.hpp"

#include "app/periodic_task.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>

namespace dokkerr {
class BlockingPool;
class Logger;
}  // namespace dokkerr
namespace dokkerr::registries {
class UpdateChecker;
}
namespace dokkerr::stacks {
class HookActors;
class StackService;
class StackStore;
}  // namespace dokkerr::stacks

namespace dokkerr::app {

class ImageUpdateJob {
 public:
  ImageUpdateJob(boost::asio::any_io_executor executor, registries::UpdateChecker& checker,
                 stacks::StackService& stacks, stacks::StackStore& stack_store,
                 stacks::HookActors& actors, AuditTrail& audit, EventSink& events,
                 BlockingPool& pool, Logger& logger, std::function<bool()> leading,
                 std::chrono::seconds interval);

  void start();  // nothing when the interval is 0
  void stop();
  // One round: check, then redeploy what opted in.
  boost::asio::awaitable<void> run_once();

 private:
  boost::asio::awaitable<void> update_stacks();

  registries::UpdateChecker& checker_;
  stacks::StackService& stacks_;
  stacks::StackStore& stack_store_;
  stacks::HookActors& actors_;
  AuditTrail& audit_;
  EventSink& events_;
  BlockingPool& pool_;
  Logger& logger_;
  std::function<bool()> leading_;
  std::chrono::seconds interval_;
  PeriodicTask rounds_;
};

}  // namespace dokkerr::app
