#pragma once
// The pipeline's authentication stage: an access token (Authorization: Bearer), an API key
// (Bearer dk_… or X-API-Key) or a WebSocket ticket (?ticket= on an upgrade) becomes the caller,
// with its permissions, in one trip to the database pool. Sets
// Principal::mfa_enrollment_required when the caller's role needs a second factor it lacks.
#include "http/pipeline.hpp"

#include <memory>

namespace dokkerr {
class BlockingPool;
}
namespace dokkerr::users {
class AccessModel;
class UserStore;
struct User;
}  // namespace dokkerr::users

namespace dokkerr::auth {

class ApiKeyService;
struct ApiKeyRecord;
class MfaService;
class SessionService;
class TicketService;

struct AuthenticatorDependencies {
  SessionService& sessions;
  TicketService& tickets;
  ApiKeyService& api_keys;
  MfaService& mfa;
  users::UserStore& users;
  users::AccessModel& access;
  BlockingPool& pool;
};

class Authenticator final : public http::Authenticator {
 public:
  explicit Authenticator(AuthenticatorDependencies deps) : deps_(deps) {}

  boost::asio::awaitable<std::shared_ptr<const Principal>> authenticate(
      const http::Credentials& credentials) override;

 private:
  // Blocking.
  std::shared_ptr<Principal> from_access_token(std::string_view token);
  std::shared_ptr<Principal> from_api_key(std::string_view key);
  std::shared_ptr<Principal> from_ticket(std::string_view ticket);
  std::shared_ptr<Principal> as_key(const ApiKeyRecord& key);
  // The account, unless it is gone or disabled (401).
  users::User active_user(std::string_view id);

  AuthenticatorDependencies deps_;
};

}  // namespace dokkerr::auth
