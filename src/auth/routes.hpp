#pragma once
// Route tables of sign-in: setup, login, refresh, logout, tickets and passwords; the caller's
// sessions; the second factor and its platform setting; API keys; OpenID sign-in.
#include "http/router.hpp"

namespace dokkerr::auth {

class ApiKeyService;
class MfaService;
class OidcService;
class SessionService;
class SignInService;
class TicketService;

void add_sign_in_routes(http::Router& router, SignInService& sign_in, TicketService& tickets);
void add_session_routes(http::Router& router, SessionService& sessions);
void add_mfa_routes(http::Router& router, MfaService& mfa);
void add_api_key_routes(http::Router& router, ApiKeyService& api_keys);
void add_oidc_routes(http::Router& router, OidcService& oidc);

struct RouteServices {
  SignInService& sign_in;
  TicketService& tickets;
  SessionService& sessions;
  MfaService& mfa;
  ApiKeyService& api_keys;
  OidcService& oidc;
};

void add_routes(http::Router& router, RouteServices services);

}  // namespace dokkerr::auth
