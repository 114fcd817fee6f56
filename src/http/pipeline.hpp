#pragma once
// The request pipeline: what happens to a request between the transport (server.cpp: bounded
// reads and writes, keep-alive, WebSocket upgrade) and its route's handler.
//
//   head read → request id → route → [edge stages] → body limit → query → authenticate →
//   [caller stages] → authorize → body read → audit intent → dispatch → (one exit path)
//   observe, write the answer, access log
//
// The stages before the body are small functions over an Exchange that either let the request
// go on or stop it with an Error; a request they stop never gets to send its body. The edge and
// caller stages come from outside (gateway/: client address, versions, CORS, rate limits) and
// are handed to Pipeline's constructor.
#include "core/error.hpp"
#include "http/router.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dokkerr::http {

// Where a request's processing ended, for the observer.
enum class StageName {
  head,
  request_id,
  route,
  edge,
  body_limit,
  query,
  authenticate,
  caller,
  authorize,
  body,
  idempotency,  // an Idempotency-Key claimed, or its first answer replayed
  audit,        // the audit intent of a request that changes something, written before its handler
  dispatch
};

// One request on its way through the stages.
struct Exchange {
  explicit Exchange(Request& request, std::string remote_address);

  RequestContext context;  // what the handler sees (request, id, address, params, query, caller)
  const Route* route = nullptr;  // set by the route stage when a route matches
  bool path_known = false;       // no route for this method, but one for another (405)
  std::optional<std::uint64_t> content_length;  // as declared by the client (set by the transport)
  std::size_t body_limit = 0;                   // the route's, else the server's
  StageName stage = StageName::head;            // the stage running now, or the one that stopped it
  std::optional<Error> failure;                 // why the request failed, once it did
  unsigned status = 0;                          // the status of the answer, once known
  // Headers every answer to this request carries (a stage may add them: rate-limit counters).
  std::vector<std::pair<std::string, std::string>> response_headers;
  // What a stage holds for as long as this request is served, to the end of its stream or
  // WebSocket (a concurrency slot): released when the exchange ends.
  std::vector<std::shared_ptr<const void>> held;
  // An answer a stage gave in place of the route (a CORS preflight): the request goes no further.
  std::optional<Response> early_answer;
  bool idempotency_claimed = false;  // this request holds its Idempotency-Key until settled
  bool replayed = false;             // the answer is the stored first answer to its key

  [[nodiscard]] std::string_view method() const;
  [[nodiscard]] std::string_view target() const;  // with the query string
};

// The size of a request head as the header limit counts it: Beast bounds one parse step, not
// the sum of many small fields, so the transport checks this sum too.
[[nodiscard]] std::size_t header_bytes(const Request& head);

// The credentials of a request, as the authentication stage hands them on.
struct Credentials {
  std::string_view authorization;     // the Authorization header
  std::string_view api_key;           // the X-API-Key header
  std::optional<std::string> ticket;  // ?ticket= of a WebSocket upgrade
  std::string_view path;              // the request's path without the query (a ticket's target)
  std::string_view user_agent;
  std::string_view remote_address;
  std::string_view request_id;
  // False when the route lets callers who must still enrol a second factor through anyway: then
  // whether this caller must is not asked (it would cost a lookup nobody reads).
  bool enrolment_matters = true;
};

// Turns credentials into a caller (implemented by auth/).
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The caller (never null), with Principal::mfa_enrollment_required set when its role needs a
  // second factor it has not enrolled (asked only when credentials.enrolment_matters). Error
  // unauthorized when the credentials are missing or not valid.
  virtual boost::asio::awaitable<std::shared_ptr<const Principal>> authenticate(
      const Credentials& credentials) = 0;
  // The caller of an open stream as it stands now (its session or key, its account, its
  // permissions), loaded again; null or an Error when it no longer stands. The default keeps no
  // stream open past a change.
  virtual boost::asio::awaitable<std::shared_ptr<const Principal>> reauthenticate(
      const Principal& before);
};

// Sees every request that reached a route once its answer is known, before it is written (the
// audit log), and each authenticated request of an audited route before its handler runs.
class Observer {
 public:
  virtual ~Observer() = default;
  // Before the handler of an authenticated, audited route: an Error refuses the request (its
  // handler does not run), so nothing is done that could not be recorded.
  virtual boost::asio::awaitable<std::optional<Error>> intend(const Exchange& exchange);
  // Must not throw for the request's sake: the answer goes out whatever happens here.
  virtual boost::asio::awaitable<void> observe(const Exchange& exchange) = 0;
};

// Idempotency-Key on the routes that take one (RouteOptions::idempotent), for authenticated
// callers (implemented by idempotency/).
class Idempotency {
 public:
  virtual ~Idempotency() = default;
  // Before the handler: the stored first answer to replay, or nullopt to run the handler (the
  // key is then claimed: exchange.idempotency_claimed). An Error refuses the request (a key in
  // flight, reused with another request, malformed).
  virtual boost::asio::awaitable<std::optional<Response>> claim(Exchange& exchange) = 0;
  // After the handler of a claimed request: keeps its answer for the key, or lets the key go
  // when there is none worth keeping (a failure). May wrap a streaming reply to keep its end.
  virtual boost::asio::awaitable<void> settle(const Exchange& exchange,
                                              std::optional<Reply>& reply) = 0;
};

class Pipeline {
 public:
  // A stage decides synchronously (check) or asynchronously (check_async): nullopt lets the
  // request go on, an Error stops it.
  struct Stage {
    StageName name;
    std::function<std::optional<Error>(Exchange&)> check;
    std::function<boost::asio::awaitable<std::optional<Error>>(Exchange&)> check_async;
  };

  // Stages inserted at the two points above; each runs under the name of its point.
  struct Extensions {
    std::vector<Stage> edge;            // the route is known, the caller not yet
    std::vector<Stage> caller;          // the caller is known (when the route needs one)
    Idempotency* idempotency{nullptr};  // null: Idempotency-Key is ignored
  };

  // `authenticator` and `observer` may be null (no route then needs more than kPublic, and
  // nothing is observed).
  Pipeline(const Router& router, std::size_t max_body_bytes, Authenticator* authenticator,
           Observer* observer, Extensions extensions);
  Pipeline(const Router& router, std::size_t max_body_bytes, Authenticator* authenticator,
           Observer* observer);

  // Runs the stages that need only the request head. Returns false when one stops the request:
  // with exchange.failure set, or with exchange.early_answer.
  boost::asio::awaitable<bool> before_body(Exchange& exchange) const;
  // Runs the route's handler; nullopt with exchange.failure set when there is no route or the
  // handler failed.
  boost::asio::awaitable<std::optional<Reply>> dispatch(Exchange& exchange) const;
  // Hands a finished exchange to the observer when it reached a route.
  boost::asio::awaitable<void> observe(const Exchange& exchange) const;

 private:
  const Router& router_;
  std::size_t max_body_bytes_;
  // The handler behind the Idempotency-Key claim and the audit intent.
  boost::asio::awaitable<std::optional<Reply>> run_handler(Exchange& exchange) const;

  Authenticator* authenticator_;
  Observer* observer_;
  Idempotency* idempotency_;
  std::vector<Stage> stages_;
};

}  // namespace dokkerr::http
