#pragma once
// Route tables of identity and access.
#include "http/router.hpp"

namespace dokkerr {
class BlockingPool;
}

namespace dokkerr::auth {

class AuthService;
class IdentityService;
class SessionService;
class AccountService;
class OidcService;

struct AuthRouteServices {
  AuthService& auth;
  IdentityService& identity;
  SessionService& sessions;
  AccountService& accounts;
  BlockingPool& pool;
};

void add_auth_routes(http::Router& router, AuthRouteServices services);
void add_identity_routes(http::Router& router, IdentityService& identity);
void add_oidc_routes(http::Router& router, OidcService& oidc);

}  // namespace dokkerr::auth
