#pragma once
// Where a request came from, as the audit log and the session list keep it.
#include "core/audit_trail.hpp"

namespace dokkerr::http {

struct RequestContext;

// The client's address (after trusted proxies), its User-Agent (at most 256 bytes) and the
// request id.
ClientInfo client_of(const RequestContext& context);

}  // namespace dokkerr::http
