#pragma once
// The JSON and query mapping of the image routes.
#include "containers/image_service.hpp"
#include "http/types.hpp"

#include <boost/json/object.hpp>

namespace dokkerr::containers {

// ?all, ?dangling, ?reference.
ImageListOptions image_list_options_from(const http::QueryParams& query);
// ?force, ?noprune.
ImageRemoveOptions image_remove_options_from(const http::QueryParams& query);
// {"image","tag"?,"auth"?:{"username","password","serveraddress","identitytoken"}}: image and
// tag are 1-512 characters without spaces or control characters (400 invalid_body); any other
// field is 400 unknown_field.
PullRequest pull_request_from(const boost::json::object& body);

}  // namespace dokkerr::containers
