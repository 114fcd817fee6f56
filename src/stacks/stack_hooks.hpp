#pragma once
// Redeploy webhooks: a secret URL per stack that a CI job or a registry calls after it pushed
// an image; each call pulls the stack's images and recreates what runs an older one
// (StackService::redeploy). Only the token's SHA-256 is kept; the token is shown once, when it
// is issued, and issuing again replaces it. A hook acts as the account that issued it, with that
// account's roles when it fires: a member who lost the right to deploy the stack cannot deploy
// it through an old hook either. Every call is audited, an unknown token too (404, as for a hook
// that never existed).
#include "core/audit_trail.hpp"
#include "stacks/stack_service.hpp"
#include "stacks/stack_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace dokkerr::stacks {

// Accounts as callers (users domain).
class HookActors {
 public:
  virtual ~HookActors() = default;
  // The account with its roles now; nullptr when it is gone or disabled.
  virtual boost::asio::awaitable<std::shared_ptr<const Principal>> acting_as(
      std::string user_id) = 0;
};

struct IssuedHook {
  std::string token;  // shown once
  StackHook hook;
};

// What a fired hook answers: enough for a CI log, nothing about the stack's contents.
struct HookOutcome {
  std::string environment, stack, status;
  int version = 0;
};

class StackHooks {
 public:
  StackHooks(StackStore& store, StackService& stacks, HookActors& actors, AuditTrail& audit,
             BlockingPool& pool, const Clock& clock)
      : store_(store), stacks_(stacks), actors_(actors), audit_(audit), pool_(pool),
        clock_(clock) {}

  // containers:create on the stack.
  boost::asio::awaitable<IssuedHook> issue(const Principal& caller, std::string env,
                                           std::string name);
  boost::asio::awaitable<void> revoke(const Principal& caller, std::string env, std::string name);
  // containers:read on the stack; 404 hook_not_found when it has none.
  boost::asio::awaitable<StackHook> get(const Principal& caller, std::string env,
                                        std::string name);
  // 404 hook_not_found for a token no hook has; the redeploy's own errors otherwise.
  boost::asio::awaitable<HookOutcome> fire(std::string token, ClientInfo client);

 private:
  boost::asio::awaitable<void> record(AuditRecord record);

  StackStore& store_;
  StackService& stacks_;
  HookActors& actors_;
  AuditTrail& audit_;
  BlockingPool& pool_;
  const Clock& clock_;
};

}  // namespace dokkerr::stacks
