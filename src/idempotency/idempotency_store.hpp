#pragma once
// Idempotency keys (table idempotency_keys): per caller and key, the request it was first used
// with (a fingerprint) and, once that request finished, its answer. Every call blocks: run it
// on the BlockingPool.
#include <memory>
#include <optional>
#include <string>

namespace dokkerr::store {
class Database;
}

namespace dokkerr::idempotency {

struct StoredAnswer {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

struct ClaimRequest {
  std::string caller;
  std::string key;
  std::string fingerprint;  // what the request was: method, target and body, hashed
  std::string token;        // handed to the handler (RequestContext::idempotency_token)
  std::string now;
  std::string locked_until;  // a claim not settled by then was abandoned (the server stopped)
  std::string expires_at;
};

enum class ClaimOutcome {
  claimed,        // the caller runs the request (a new key, or an abandoned claim taken over)
  in_flight,      // the first request with this key has not finished
  other_request,  // the key was first used with another request
  answered,       // the first request finished: its answer is to be replayed
};

struct Claim {
  ClaimOutcome outcome = ClaimOutcome::claimed;
  std::optional<StoredAnswer> answer;  // set for answered
};

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;
  // Decides for one request; expired keys of anyone are swept first.
  virtual Claim claim(const ClaimRequest& request) = 0;
  // The first answer, kept until `expires_at`.
  virtual void answer(const std::string& caller, const std::string& key, const StoredAnswer& answer,
                      const std::string& expires_at) = 0;
  // The claimed request left no answer worth keeping: the key is free again.
  virtual void release(const std::string& caller, const std::string& key) = 0;
};

std::unique_ptr<IdempotencyStore> make_sql_idempotency_store(store::Database& db);

}  // namespace dokkerr::idempotency
