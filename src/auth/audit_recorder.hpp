#pragma once
// The audit trail on the hash-chained audit log: security events from the services, and one
// entry per mutating request (the router's observer). Also the audit routes.
#include "auth/audit_trail.hpp"
#include "http/router.hpp"

namespace dokkerr {
class BlockingPool;
class Logger;
}  // namespace dokkerr
namespace dokkerr::audit {
class AuditLog;
}

namespace dokkerr::auth {

class AuditRecorder final : public AuditTrail {
 public:
  AuditRecorder(audit::AuditLog& log, BlockingPool& pool, Logger& logger)
      : log_(log), pool_(pool), logger_(logger) {}

  boost::asio::awaitable<void> record(AuditRecord record) override;

  // Records every request that is not a read (GET/HEAD) on a non-public route; public routes
  // (sign-in, setup, refresh) record their own richer events.
  boost::asio::awaitable<void> observe(const http::RequestContext& context, const http::Route& route,
                                       unsigned status, const Error* failure);

  audit::AuditLog& log() { return log_; }

 private:
  audit::AuditLog& log_;
  BlockingPool& pool_;
  Logger& logger_;
};

// "POST /api/v1/environments/{env}/containers/{id}/start" → "containers.start"; the collection's
// own verbs become create/update/delete.
std::string action_name(http::Verb verb, std::string_view pattern);

void add_audit_routes(http::Router& router, audit::AuditLog& log, BlockingPool& pool);

}  // namespace dokkerr::auth
