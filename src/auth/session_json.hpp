#pragma once
// The caller's sessions as /me/sessions shows them (never a token).
#include "auth/session_store.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace dokkerr::auth {

boost::json::object session_object(const SessionRecord& session, std::string_view current_session);

}  // namespace dokkerr::auth
