#include "http/pipeline.hpp"

#include "core/ids.hpp"
#include "core/principal.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>

namespace dokkerr::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

std::string_view header(const Request& request, bhttp::field field) {
  const auto value = request[field];
  return {value.data(), value.size()};
}

std::string_view header(const Request& request, std::string_view name) {
  const auto value = request[name];
  return {value.data(), value.size()};
}

}  // namespace

asio::awaitable<std::shared_ptr<const Principal>> Authenticator::reauthenticate(const Principal&) {
  co_return nullptr;
}

asio::awaitable<std::optional<Error>> Observer::intend(const Exchange&) {
  co_return std::nullopt;
}

namespace {

// ---- the stages, in the order they run --------------------------------------------------------

// A client's own X-Request-Id is kept when it is well-formed, so its logs and ours line up.
std::optional<Error> adopt_request_id(Exchange& exchange) {
  const auto incoming = header(exchange.context.request, "X-Request-Id");
  if (!incoming.empty() && is_valid_request_id(incoming)) {
    exchange.context.request_id = std::string(incoming);
  }
  return std::nullopt;
}

// Finds the route. No route is not a failure yet: the body is still read (the connection stays
// usable) and dispatch answers 404 or 405.
std::optional<Error> route_request(const Router& router, Exchange& exchange) {
  const auto target = exchange.target();
  auto match = router.match(exchange.context.request.method(), target.substr(0, target.find('?')));
  exchange.route = match.route;
  exchange.path_known = match.path_known;
  exchange.context.path_params = std::move(match.params);
  return std::nullopt;
}

std::optional<Error> decode_query(Exchange& exchange) {
  const auto target = exchange.target();
  if (const auto question = target.find('?'); question != std::string_view::npos) {
    exchange.context.query = parse_query(target.substr(question + 1));  // throws invalid_parameter
  }
  return std::nullopt;
}

std::optional<Error> check_body_limit(std::size_t server_limit, Exchange& exchange) {
  exchange.body_limit = server_limit;
  if (exchange.route != nullptr && exchange.route->options.max_body_bytes) {
    exchange.body_limit = *exchange.route->options.max_body_bytes;
  }
  // Chunked bodies (no declared length) are held to the limit as they arrive.
  if (exchange.content_length && *exchange.content_length > exchange.body_limit) {
    return Error(ErrorKind::payload_too_large, "payload_too_large",
                 "The request body exceeds " + std::to_string(exchange.body_limit) + " bytes.");
  }
  // Bodies are checked as received and never decoded: an encoded one would reach the checks as
  // one thing and could mean another to whoever decodes it later.
  const auto encoding = header(exchange.context.request, bhttp::field::content_encoding);
  if (!encoding.empty() && encoding != "identity") {
    return Error(ErrorKind::unsupported_media, "unsupported_content_encoding",
                 "Request bodies are taken as sent; Content-Encoding is not accepted.");
  }
  return std::nullopt;
}

// A 404 in place of the 403 for a caller outside the organization or team the path names.
std::optional<Error> hidden_from(const Exchange& exchange) {
  const auto& options = exchange.route->options;
  if (options.hidden_param.empty()) return std::nullopt;
  const auto& caller = *exchange.context.principal;
  const auto& id = exchange.context.param(options.hidden_param);
  if (options.hidden_kind == HiddenKind::team) {
    if (caller.team_permissions.contains(id)) return std::nullopt;
    return Error::not_found("team_not_found", "No such team.");
  }
  const bool member = caller.org_permissions.contains(id) ||
                      std::any_of(caller.team_orgs.begin(), caller.team_orgs.end(),
                                  [&](const auto& entry) { return entry.second == id; });
  if (member) return std::nullopt;
  return Error::not_found("organization_not_found", "No such organization.");
}

bool needs_caller(const Exchange& exchange) {
  return exchange.route != nullptr && exchange.route->options.permission != access::kPublic;
}

asio::awaitable<std::optional<Error>> authenticate(Authenticator* authenticator,
                                                   Exchange& exchange) {
  if (!needs_caller(exchange)) co_return std::nullopt;
  if (authenticator == nullptr) {
    co_return Error::internal_error("route " + exchange.route->pattern +
                                    " needs a caller, but no authenticator is set");
  }
  const auto& request = exchange.context.request;
  Credentials credentials;
  credentials.authorization = header(request, bhttp::field::authorization);
  credentials.api_key = header(request, "X-API-Key");
  if (boost::beast::websocket::is_upgrade(request))
    credentials.ticket = exchange.context.query.get("ticket");
  const auto target = exchange.target();
  credentials.path = target.substr(0, target.find('?'));
  credentials.user_agent = header(request, bhttp::field::user_agent);
  credentials.remote_address = exchange.context.remote_address;
  credentials.request_id = exchange.context.request_id;
  credentials.enrolment_matters = !exchange.route->options.allowed_before_mfa_enrolment;
  exchange.context.principal = co_await authenticator->authenticate(credentials);
  co_return std::nullopt;
}

// The route's own demands of its caller, in the order the caller can act on them: enrol a second
// factor first, then the environment must be one of theirs, then the permission.
std::optional<Error> authorize(Exchange& exchange) {
  if (!needs_caller(exchange)) return std::nullopt;
  const auto& caller = *exchange.context.principal;
  const auto& options = exchange.route->options;
  if (caller.mfa_enrollment_required && !options.allowed_before_mfa_enrolment) {
    return Error(ErrorKind::forbidden, "mfa_enrollment_required",
                 "Your role requires two-factor sign-in; enrol at /api/v1/me/mfa/totp first.");
  }
  if (!options.environment_param.empty()) {
    // An environment the caller was not granted does not exist for them.
    const auto& environment = exchange.context.param(options.environment_param);
    if (!caller.sees_environment(environment)) {
      return Error::not_found("environment_not_found", "No environment '" + environment + "'.");
    }
  }
  if (options.permission != access::kAuthenticated && !caller.has(options.permission)) {
    if (auto hidden = hidden_from(exchange)) return hidden;
    return Error(ErrorKind::forbidden, "permission_denied",
                 "This needs the permission " + options.permission + ".");
  }
  return std::nullopt;
}

}  // namespace

std::size_t header_bytes(const Request& head) {
  std::size_t bytes = head.method_string().size() + head.target().size() + 12;
  for (const auto& field : head) bytes += field.name_string().size() + field.value().size() + 4;
  return bytes;
}

Exchange::Exchange(Request& request, std::string remote_address)
    : context{request, random_hex(12), std::move(remote_address), {}, {}, nullptr, {}} {}

std::string_view Exchange::method() const {
  const auto text = context.request.method_string();
  return {text.data(), text.size()};
}

std::string_view Exchange::target() const {
  const auto text = context.request.target();
  return {text.data(), text.size()};
}

Pipeline::Pipeline(const Router& router, std::size_t max_body_bytes, Authenticator* authenticator,
                   Observer* observer)
    : Pipeline(router, max_body_bytes, authenticator, observer, Extensions{}) {}

Pipeline::Pipeline(const Router& router, std::size_t max_body_bytes, Authenticator* authenticator,
                   Observer* observer, Extensions extensions)
    : router_(router),
      max_body_bytes_(max_body_bytes),
      authenticator_(authenticator),
      observer_(observer),
      idempotency_(extensions.idempotency) {
  const auto insert = [this](std::vector<Stage>& extra, StageName point) {
    for (auto& stage : extra) {
      stage.name = point;
      stages_.push_back(std::move(stage));
    }
  };
  stages_ = {
      {StageName::request_id, adopt_request_id, {}},
      {StageName::route, [this](Exchange& e) { return route_request(router_, e); }, {}},
  };
  insert(extensions.edge, StageName::edge);
  stages_.push_back({StageName::body_limit,
                     [this](Exchange& e) { return check_body_limit(max_body_bytes_, e); },
                     {}});
  stages_.push_back({StageName::query, decode_query, {}});
  stages_.push_back({StageName::authenticate, {}, [this](Exchange& e) {
                       return authenticate(authenticator_, e);
                     }});
  insert(extensions.caller, StageName::caller);
  stages_.push_back({StageName::authorize, authorize, {}});
}

asio::awaitable<bool> Pipeline::before_body(Exchange& exchange) const {
  for (const auto& stage : stages_) {
    exchange.stage = stage.name;
    try {
      // Two statements, not a conditional expression: GCC 12 mishandles temporaries of a
      // co_await inside ?:.
      if (stage.check) {
        exchange.failure = stage.check(exchange);
      } else {
        exchange.failure = co_await stage.check_async(exchange);
      }
    } catch (const Error& error) {
      exchange.failure = error;
    } catch (const std::exception& error) {
      exchange.failure = Error::internal_error(error.what());
    }
    if (exchange.failure || exchange.early_answer) co_return false;
  }
  co_return true;
}

asio::awaitable<std::optional<Reply>> Pipeline::dispatch(Exchange& exchange) const {
  exchange.stage = StageName::dispatch;
  if (exchange.route == nullptr) {
    exchange.failure =
        exchange.path_known
            ? Error(ErrorKind::method_not_allowed, "method_not_allowed",
                    "This path does not accept " + std::string(exchange.method()) + ".")
            : Error::not_found("route_not_found", "No API route matches this path.");
    co_return std::nullopt;
  }
  const bool keyed =
      idempotency_ != nullptr && exchange.context.principal && exchange.route->options.idempotent;
  if (keyed) {
    exchange.stage = StageName::idempotency;
    std::optional<Response> replay;
    try {
      replay = co_await idempotency_->claim(exchange);
    } catch (const Error& error) {
      exchange.failure = error;
    } catch (const std::exception& error) {
      exchange.failure = Error::internal_error(error.what());
    }
    if (exchange.failure) co_return std::nullopt;
    if (replay) {
      exchange.replayed = true;
      exchange.stage = StageName::dispatch;
      co_return Reply{std::move(*replay)};
    }
  }
  auto reply = co_await run_handler(exchange);
  if (exchange.idempotency_claimed) {
    try {
      co_await idempotency_->settle(exchange, reply);
    } catch (const std::exception&) {
      // The answer goes out; the key stays claimed until its lock runs out (a retry meanwhile is
      // 409), which is the safe side.
    }
  }
  co_return reply;
}

asio::awaitable<std::optional<Reply>> Pipeline::run_handler(Exchange& exchange) const {
  if (observer_ != nullptr && exchange.context.principal &&
      !exchange.route->options.audit_action.empty()) {
    exchange.stage = StageName::audit;
    try {
      exchange.failure = co_await observer_->intend(exchange);
    } catch (const Error& error) {
      exchange.failure = error;
    } catch (const std::exception& error) {
      exchange.failure = Error::internal_error(error.what());
    }
    if (exchange.failure) co_return std::nullopt;
  }
  exchange.stage = StageName::dispatch;
  try {
    co_return co_await exchange.route->handler(exchange.context);
  } catch (const Error& error) {
    exchange.failure = error;
  } catch (const std::exception& error) {
    exchange.failure = Error::internal_error(error.what());
  }
  co_return std::nullopt;
}

asio::awaitable<void> Pipeline::observe(const Exchange& exchange) const {
  if (observer_ == nullptr || exchange.route == nullptr) co_return;
  co_await observer_->observe(exchange);
}

}  // namespace dokkerr::http
