#pragma once
#include "core/error.hpp"

#include <string_view>

namespace dokkerr::docker {

// Maps a non-2xx engine answer to our classification: 404 -> not_found, 409 -> conflict,
// 400 -> invalid, 304 -> conflict ("not_modified"), 5xx -> bad_gateway; `what` names the object
// for the client ("container", "image"...). The engine's `message` is kept as detail, since it
// describes the caller's own request (it never includes host secrets).
Error map_engine_error(unsigned status, std::string_view body, std::string_view what);

}  // namespace dokkerr::docker
