#pragma once
// The JSON mapping of the environment routes.
#include "containers/environment_service.hpp"

#include <boost/json/object.hpp>

namespace dokkerr::containers {

// {"name"?,"url"?,"tls"?:{"ca","cert","key","verify"?}}; wrong types are 400 invalid_body naming
// the field, any other field 400 unknown_field.
EnvironmentInput environment_input_from(const boost::json::object& body);
// {id,name,url,tls,builtin,status,error?,engine?,counts?,created_at?,updated_at?}.
boost::json::object to_json(const EnvironmentView& environment);

}  // namespace dokkerr::containers
