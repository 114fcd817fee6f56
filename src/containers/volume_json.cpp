#include "containers/volume_json.hpp"

#include "http/responses.hpp"

namespace dokkerr::containers {

boost::json::object to_json(VolumeList list) {
  auto out = http::list_object(std::move(list.volumes));
  out["Warnings"] = std::move(list.warnings);
  return out;
}

}  // namespace dokkerr::containers
