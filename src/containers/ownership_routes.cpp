#include "containers/ownership_json.hpp"
#include "containers/routes.hpp"
#include "containers/tenancy_service.hpp"
#include "core/json.hpp"
#include "http/responses.hpp"

#include <boost/json/serialize.hpp>

namespace dokkerr::containers {

http::Handler assign_owner(TenancyService& tenancy, ResourceKind kind, std::string param) {
  return [&tenancy, kind, param](http::RequestContext& c) -> boost::asio::awaitable<http::Reply> {
    auto team = owner_team_from(json::parse_object(c.request.body()));
    const auto assigned = co_await tenancy.assign(c.param("env"), kind, c.param(param), team);
    co_return http::ok(boost::json::serialize(to_json(assigned)));
  };
}

}  // namespace dokkerr::containers
