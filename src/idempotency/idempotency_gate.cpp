#include "idempotency/idempotency_gate.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/logger.hpp"
#include "core/principal.hpp"
#include "crypto/primitives.hpp"
#include "http/responses.hpp"

#include <algorithm>

namespace dokkerr::idempotency {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kHeader = "Idempotency-Key";

std::string_view key_of(const http::Request& request) {
  const auto value = request[kHeader];
  return {value.data(), value.size()};
}

void check_key(std::string_view key) {
  const bool printable =
      std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
  if (key.size() > kMaxKeyBytes || !printable) {
    throw Error::invalid(
        "invalid_idempotency_key",
        "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID works).");
  }
}

std::string fingerprint_of(const http::Request& request) {
  std::string text(request.method_string());
  text += ' ';
  text += std::string_view(request.target().data(), request.target().size());
  text += '\n';
  text += request.body();
  return crypto::sha256_hex(text);
}

// Keeps the last complete line of a stream (bounded), for the stored answer of a pull.
class LastLine {
 public:
  void feed(std::string_view chunk) {
    for (const char c : chunk) {
      if (c == '\n') {
        if (!pending_.empty()) last_ = std::move(pending_);
        pending_.clear();
      } else if (pending_.size() < kMaxKeptAnswerBytes) {
        pending_ += c;
      }
    }
  }
  [[nodiscard]] std::string line() const { return (pending_.empty() ? last_ : pending_) + "\n"; }

 private:
  std::string pending_;
  std::string last_;
};

// A ResponseStream that passes everything on and remembers the last line.
class Tee final : public http::ResponseStream {
 public:
  Tee(http::ResponseStream& out, LastLine& last) : out_(out), last_(last) {}
  asio::awaitable<bool> write(std::string_view chunk) override {
    last_.feed(chunk);
    const bool written = co_await out_.write(chunk);
    if (!written) client_left_ = true;
    co_return written;
  }
  asio::awaitable<void> wait_closed() override { co_await out_.wait_closed(); }
  [[nodiscard]] bool client_left() const { return client_left_; }

 private:
  http::ResponseStream& out_;
  LastLine& last_;
  bool client_left_ = false;
};

}  // namespace

std::string token_of(std::string_view caller, std::string_view key) {
  std::string text(caller);
  text += '\n';
  text += key;
  return crypto::sha256_hex(text).substr(0, 32);
}

asio::awaitable<std::optional<http::Response>> IdempotencyGate::claim(http::Exchange& exchange) {
  auto& context = exchange.context;
  const auto key = key_of(context.request);
  if (key.empty()) co_return std::nullopt;
  check_key(key);
  ClaimRequest request;
  request.caller = context.principal->user_id;
  request.key = std::string(key);
  request.fingerprint = fingerprint_of(context.request);
  request.token = token_of(request.caller, request.key);
  request.now = clock_.stamp();
  request.locked_until = clock_.stamp_in(kClaimLife);
  request.expires_at = clock_.stamp_in(kKeyLife);
  auto decide = [this, &request] { return store_.claim(request); };
  const auto claim = co_await pool_.run(decide);
  switch (claim.outcome) {
    case ClaimOutcome::claimed:
      exchange.idempotency_claimed = true;
      context.idempotency_token = request.token;
      co_return std::nullopt;
    case ClaimOutcome::in_flight:
      throw Error::conflict("idempotency_key_in_flight",
                            "A request with this Idempotency-Key is still running; retry later.");
    case ClaimOutcome::other_request:
      throw Error(ErrorKind::unprocessable, "idempotency_key_reused",
                  "This Idempotency-Key was used with another request.");
    case ClaimOutcome::answered:
      break;
  }
  http::Response replay{static_cast<http::Status>(claim.answer->status), 11};
  replay.set(boost::beast::http::field::content_type, claim.answer->content_type);
  replay.set("Idempotent-Replayed", "true");
  replay.body() = claim.answer->body;
  replay.prepare_payload();
  co_return replay;
}

asio::awaitable<void> IdempotencyGate::settle(const http::Exchange& exchange,
                                              std::optional<http::Reply>& reply) {
  std::string caller = exchange.context.principal->user_id;
  std::string key(key_of(exchange.context.request));
  if (reply && !exchange.failure) {
    if (auto* response = std::get_if<http::Response>(&*reply)) {
      if (response->result_int() < 500 && response->body().size() <= kMaxKeptAnswerBytes) {
        StoredAnswer answer{response->result_int(),
                            std::string(response->at(boost::beast::http::field::content_type)),
                            response->body()};
        co_await keep(std::move(caller), std::move(key), std::move(answer));
        co_return;
      }
    } else if (auto* streaming = std::get_if<http::StreamingReply>(&*reply)) {
      // The stream runs after this returns: its end is kept when it gets there.
      auto produce = std::move(streaming->produce);
      const auto status = static_cast<unsigned>(streaming->status);
      auto content_type = streaming->content_type;
      streaming->produce =
          [this, produce = std::move(produce), status, content_type, caller = std::move(caller),
           key = std::move(key)](http::ResponseStream& out) -> asio::awaitable<void> {
        LastLine last;
        Tee tee(out, last);
        co_await produce(tee);
        // A stream its client left ended early: nothing final to keep.
        if (tee.client_left()) {
          co_await release(caller, key);
        } else {
          co_await keep(caller, key, StoredAnswer{status, content_type, last.line()});
        }
      };
      co_return;
    }
  }
  co_await release(std::move(caller), std::move(key));
}

asio::awaitable<void> IdempotencyGate::keep(std::string caller, std::string key,
                                            StoredAnswer answer) {
  auto store = [&] { store_.answer(caller, key, answer, clock_.stamp_in(kKeyLife)); };
  try {
    co_await pool_.run(store);
  } catch (const std::exception& error) {
    // Not kept: the claim runs out after kClaimLife and a retry then acts again, finding what
    // this request made by its token.
    logger_.warn("idempotent answer not kept", {{"error", error.what()}});
  }
}

asio::awaitable<void> IdempotencyGate::release(std::string caller, std::string key) {
  auto forget = [&] { store_.release(caller, key); };
  try {
    co_await pool_.run(forget);
  } catch (const std::exception& error) {
    logger_.warn("idempotency key not released", {{"error", error.what()}});
  }
}

}  // namespace dokkerr::idempotency
