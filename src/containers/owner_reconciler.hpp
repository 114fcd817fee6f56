#pragma once
// Owner rows for the containers a create left behind: a server stopped (or killed) between the
// engine's create and the owner row leaves a container whose team label names its team (which
// tenancy already goes by) but no row. At start, for every engine that is up:
//
// - a container whose team label names a team that exists and that has no owner row is adopted:
//   the row is written, as the create would have;
// - one whose label names a team that is gone is reported (log and audit "containers.orphan"),
//   for an admin to assign (POST …/containers/{id}/assign) or remove.
#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

namespace dokkerr {
class AuditTrail;
class BlockingPool;
class Clock;
class Logger;
}  // namespace dokkerr

namespace dokkerr::containers {

class EnvironmentService;
class OwnershipStore;
class TeamDirectory;

struct ReconcileReport {
  std::vector<std::string> adopted;  // container ids
  std::vector<std::string> orphans;
};

class OwnerReconciler {
 public:
  OwnerReconciler(EnvironmentService& environments, OwnershipStore& owners, TeamDirectory& teams,
                  BlockingPool& pool, const Clock& clock, AuditTrail& audit, Logger& logger)
      : environments_(environments),
        owners_(owners),
        teams_(teams),
        pool_(pool),
        clock_(clock),
        audit_(audit),
        logger_(logger) {}

  // One environment; Error unavailable when its engine is not up.
  boost::asio::awaitable<ReconcileReport> reconcile(std::string environment_id);

 private:
  EnvironmentService& environments_;
  OwnershipStore& owners_;
  TeamDirectory& teams_;
  BlockingPool& pool_;
  const Clock& clock_;
  AuditTrail& audit_;
  Logger& logger_;
};

}  // namespace dokkerr::containers
