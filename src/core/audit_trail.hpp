#pragma once
// Where the services write down who did what (the hash-chained audit log of src/audit/). An
// interface in core, so every domain can record without depending on the log, and unit tests can
// pass a fake.
#include <boost/asio/awaitable.hpp>

#include <string>

namespace dokkerr {

struct Principal;

// Where a request came from, as the audit log and the session list keep it.
struct ClientInfo {
  std::string remote_address, user_agent, request_id;
};

struct AuditRecord {
  std::string action;  // "auth.login", "containers.create", …
  std::string result;  // "success" | "failure" | "denied" | "intent" (before the act)
  std::string target;
  std::string actor_type = "anonymous";  // "user" | "api_key" | "system" | "anonymous"
  std::string actor_id, actor_name;
  std::string org_id, team_id;
  std::string detail_json = "{}";
  ClientInfo client;
};

// Fills the actor fields from a principal.
void set_actor(AuditRecord& record, const Principal& principal);

class AuditTrail {
 public:
  virtual ~AuditTrail() = default;
  // Never throws: a failure to record is logged by the implementation.
  virtual boost::asio::awaitable<void> record(AuditRecord record) = 0;
};

}  // namespace dokkerr
