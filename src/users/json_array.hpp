#pragma once
// A list of strings as a JSON array: permission sets, scopes, role lists, in the order given.
// (A candidate for core/json.hpp; kept here while only users and auth use it.)
#include <boost/json/array.hpp>

namespace dokkerr::users {

template <typename Strings>
boost::json::array json_array(const Strings& strings) {
  boost::json::array out;
  out.reserve(strings.size());
  for (const auto& item : strings) out.emplace_back(item);
  return out;
}

}  // namespace dokkerr::users
