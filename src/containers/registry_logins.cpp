#include "containers/registry_logins.hpp"

#include "containers/engine_call.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <utility>

namespace dokkerr::containers {

std::string registry_auth_header(const RegistryCredentials& credentials) {
  boost::json::object object;
  const std::pair<const char*, const std::optional<std::string>*> fields[] = {
      {"username", &credentials.username},
      {"password", &credentials.password},
      {"serveraddress", &credentials.serveraddress},
      {"identitytoken", &credentials.identitytoken}};
  for (const auto& [key, value] : fields) {
    if (*value) object[key] = **value;
  }
  return base64(boost::json::serialize(object), true);
}

}  // namespace dokkerr::containers
