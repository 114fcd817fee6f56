#pragma once
// The JSON mapping of the volume routes.
#include "containers/volume_service.hpp"

#include <boost/json/object.hpp>

namespace dokkerr::containers {

// {"items":[volumes],"next_cursor":null,"Warnings":…}: the engine's warnings beside the list.
boost::json::object to_json(VolumeList list);

}  // namespace dokkerr::containers
