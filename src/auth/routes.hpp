#pragma once
// Route tables of identity and access.
#include "http/router.hpp"

namespace dokkerr {
class BlockingPool;
}

namespace dokkerr::auth {

class AuthService;
class SessionService;
class AccountService;
class OidcService;

struct AuthRouteServices {
  AuthService& auth;
  SessionService& sessions;
  AccountService& accounts;
  BlockingPool& pool;
};

void add_auth_routes(http::Router& router, AuthRouteServices services);
void add_oidc_routes(http::Router& router, OidcService& oidc);

}  // namespace dokkerr::auth
