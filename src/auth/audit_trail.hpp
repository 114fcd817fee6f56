#pragma once
// Where identity and access decisions are recorded (the audit log). An interface so the
// services can be tested without a database.
#include "auth/session_service.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace dokkerr {
struct Principal;
}

namespace dokkerr::auth {

struct AuditRecord {
  std::string action;              // "auth.login", "containers.create", …
  std::string result;              // "success" | "failure" | "denied"
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

}  // namespace dokkerr::auth
