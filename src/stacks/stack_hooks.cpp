#include "stacks/stack_hooks.hpp"

#include "core/error.hpp"
#include "core/permissions.hpp"
#include "crypto/primitives.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

namespace dokkerr::stacks {
namespace asio = boost::asio;

namespace {

constexpr std::string_view kTokenPrefix = "dkh_";
constexpr std::string_view kAction = "stacks.hook.fire";

Error hook_not_found() {
  return Error::not_found("hook_not_found", "There is no such webhook.");
}

// dkh_ and 64 hex digits; anything else cannot be a token and is not looked up.
bool looks_like_token(std::string_view token) {
  if (token.size() != kTokenPrefix.size() + 64 || !token.starts_with(kTokenPrefix)) return false;
  return std::all_of(token.begin() + static_cast<std::ptrdiff_t>(kTokenPrefix.size()),
                     token.end(), [](char c) {
                       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                     });
}

std::string detail_of(std::string_view key, std::string_view value) {
  return boost::json::serialize(boost::json::object{{key, value}});
}

}  // namespace

asio::awaitable<void> StackHooks::record(AuditRecord record) {
  co_await audit_.record(std::move(record));
}

asio::awaitable<IssuedHook> StackHooks::issue(const Principal& caller, std::string env,
                                              std::string name) {
  const auto stack = co_await stacks_.authorized(caller, env, name, perm::containers_create);
  IssuedHook issued;
  issued.token = std::string(kTokenPrefix) + crypto::hex_encode(crypto::random_bytes(32));
  issued.hook.stack_id = stack.id;
  issued.hook.token_hash = crypto::sha256_hex(issued.token);
  issued.hook.created_by = caller.user_id;
  issued.hook.created_at = clock_.stamp();
  auto save = [this, &issued] { store_.put_hook(issued.hook); };
  co_await pool_.run(save);
  co_return issued;
}

asio::awaitable<void> StackHooks::revoke(const Principal& caller, std::string env,
                                         std::string name) {
  const auto stack = co_await stacks_.authorized(caller, env, name, perm::containers_create);
  auto drop = [this, &stack] { return store_.remove_hook(stack.id); };
  if (!co_await pool_.run(drop)) throw hook_not_found();
}

asio::awaitable<StackHook> StackHooks::get(const Principal& caller, std::string env,
                                           std::string name) {
  const auto stack = co_await stacks_.authorized(caller, env, name, perm::containers_read);
  auto load = [this, &stack] { return store_.hook_of(stack.id); };
  auto hook = co_await pool_.run(load);
  if (!hook) throw hook_not_found();
  co_return std::move(*hook);
}

asio::awaitable<HookOutcome> StackHooks::fire(std::string token, ClientInfo client) {
  AuditRecord entry;
  entry.action = std::string(kAction);
  entry.client = std::move(client);
  std::optional<StackHook> hook;
  std::optional<Stack> stack;
  if (looks_like_token(token)) {
    const auto hash = crypto::sha256_hex(token);
    // Never the token in the log: the first digits of its hash say which one was tried.
    entry.target = "hook:" + hash.substr(0, 12);
    auto load = [this, &hash, &hook, &stack] {
      hook = store_.hook_by_token(hash);
      if (hook) stack = store_.get(hook->stack_id);
    };
    co_await pool_.run(load);
  } else {
    entry.target = "hook:malformed";
  }
  if (!hook || !stack) {
    entry.result = "denied";
    entry.detail_json = detail_of("reason", "unknown token");
    co_await record(std::move(entry));
    throw hook_not_found();
  }
  entry.target = "stack:" + stack->environment + "/" + stack->name;
  entry.team_id = stack->team_id;
  const auto actor = co_await actors_.acting_as(hook->created_by);
  if (!actor) {
    entry.result = "denied";
    entry.actor_type = "user";
    entry.actor_id = hook->created_by;
    entry.detail_json = detail_of("reason", "the account that issued the hook is disabled or gone");
    co_await record(std::move(entry));
    throw Error::conflict("hook_owner_inactive",
                          "The account this webhook acts as is disabled or gone; issue a new "
                          "webhook.");
  }
  set_actor(entry, *actor);
  std::exception_ptr failure;
  std::string reason;
  HookOutcome outcome;
  try {
    // A Git stack deploys the commit its ref names now, then pulls as any other.
    if (stack->git) (void)co_await stacks_.sync_git(*actor, stack->environment, stack->name);
    const auto view = co_await stacks_.redeploy(*actor, stack->environment, stack->name);
    outcome = {view.stack.environment, view.stack.name, view.stack.status, view.stack.version};
  } catch (const Error& error) {
    failure = std::current_exception();
    reason = error.code();
  } catch (const std::exception&) {
    failure = std::current_exception();
    reason = "internal";
  }
  auto used = [this, &hook] { store_.hook_used(hook->stack_id, clock_.stamp()); };
  co_await pool_.run(used);
  entry.result = failure ? "failure" : "success";
  if (failure) entry.detail_json = detail_of("error", reason);
  co_await record(std::move(entry));
  if (failure) std::rethrow_exception(failure);
  co_return outcome;
}

}  // namespace dokkerr::stacks
