#pragma once
// Sign-in as the API takes and shows it: the bodies of setup, login, refresh and password
// change, the token pair, the WebSocket ticket, and where a request came from.
#include "auth/sign_in_service.hpp"
#include "auth/ticket_service.hpp"
#include "http/types.hpp"

#include <string>
#include <string_view>

namespace dokkerr::auth {

// The request's address, user agent (at most 256 bytes) and id, for sessions and the audit log.
ClientInfo client_of(const http::RequestContext& context);

SetupRequest parse_setup(std::string_view body);              // POST /setup
LoginRequest parse_login(std::string_view body);              // POST /auth/login
std::string parse_refresh(std::string_view body);             // POST /auth/refresh
PasswordChange parse_password_change(std::string_view body);  // POST /me/password
std::string parse_ticket_request(std::string_view body);      // POST /auth/ws-ticket: its path

std::string setup_status_json(bool pending);
// {access_token, refresh_token, token_type: "Bearer", expires_in}
std::string token_pair_json(const TokenPair& pair);
std::string ticket_json(const Ticket& ticket);

}  // namespace dokkerr::auth
