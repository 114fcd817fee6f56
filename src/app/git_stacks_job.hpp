#pragma once
// Git stacks follow their repositories: on the replica holding the scheduler lease, every
// --git-poll-interval, each Git stack's ref is resolved (git ls-remote) and a new commit is
// deployed as a new version, as the account that made the stack with its roles now (audited:
// stacks.git_sync). A repository that cannot be reached is logged and tried next round.
#include <boost/asio/awaitable.hpp>

namespace dokkerr {
class AuditTrail;
class BlockingPool;
class Logger;
}  // namespace dokkerr
namespace dokkerr::stacks {
class HookActors;
class StackService;
class StackStore;
}  // namespace dokkerr::stacks

namespace dokkerr::app {

boost::asio::awaitable<void> sync_git_stacks(stacks::StackStore& store,
                                             stacks::StackService& stacks,
                                             stacks::HookActors& actors, AuditTrail& audit,
                                             BlockingPool& pool, Logger& logger);

}  // namespace dokkerr::app
