#include "auth/session_json.hpp"

namespace dokkerr::auth {

boost::json::object session_object(const SessionRecord& session, std::string_view current_session) {
  return {{"id", session.id},
          {"auth_method", session.auth_method},
          {"client_address", session.client_address},
          {"user_agent", session.user_agent},
          {"created_at", session.created_at},
          {"last_used_at", session.last_used_at},
          {"expires_at", session.expires_at},
          {"current", session.id == current_session}};
}

}  // namespace dokkerr::auth
