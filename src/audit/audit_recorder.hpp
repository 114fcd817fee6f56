#pragma once
// The audit trail on the hash-chained audit log: security events from the services (through
// core's AuditTrail), one entry per request that changes something (as the pipeline's observer,
// named by the route's audit action), and one per permission the authorization stage refused.
#include "core/audit_trail.hpp"
#include "http/pipeline.hpp"

namespace dokkerr {
class BlockingPool;
class Logger;
}  // namespace dokkerr

namespace dokkerr::audit {

class AuditLog;
struct AuditEvent;

class AuditRecorder final : public AuditTrail, public http::Observer {
 public:
  AuditRecorder(AuditLog& log, BlockingPool& pool, Logger& logger)
      : log_(log), pool_(pool), logger_(logger) {}

  boost::asio::awaitable<void> record(AuditRecord record) override;

  // Before the handler of an audited route: an entry with result "intent". When it cannot be
  // written the request is refused with 503 audit_unavailable and nothing is done.
  boost::asio::awaitable<std::optional<Error>> intend(const http::Exchange& exchange) override;
  // A request that ran its handler is recorded under its route's audit action (routes without
  // one are reads or public) with its outcome; a permission refused before the handler ran is
  // "access.denied".
  boost::asio::awaitable<void> observe(const http::Exchange& exchange) override;

 private:
  AuditEvent event_of(const AuditRecord& record) const;

  AuditLog& log_;
  BlockingPool& pool_;
  Logger& logger_;
};

// "success", "denied" (the caller may not do this) or "failure", from how a request ended;
// "intent" marks the entry written before a request's handler ran.
std::string_view audit_result(const Error* failure, unsigned status);

}  // namespace dokkerr::audit
