#pragma once
// The audit log's routes: list, JSONL export and chain verification.
#include "http/router.hpp"

namespace dokkerr::audit {

class AuditService;

void add_audit_routes(http::Router& router, AuditService& audit);

}  // namespace dokkerr::audit
