#include "docker/client.hpp"

#include "core/error.hpp"
#include "docker/connection.hpp"
#include "docker/errors.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <string_view>
#include <type_traits>

namespace dokkerr::docker {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using detail::BufferParser;
using detail::Connection;
using detail::ErrorCode;
using detail::no_cancel;
using detail::Request;
using detail::StringParser;

namespace {

constexpr std::string_view kOurApiVersion = "1.41";
constexpr int kOurApiMajor = 1;
constexpr int kOurApiMinor = 41;
constexpr std::string_view kUserAgent = "dokkerr/0.1";
// Size of one piece handed out by EngineStream/HijackedConnection::read_some.
constexpr std::size_t kPieceSize = 64U * 1024U;
// Error bodies of a refused hijack are short messages; this only bounds a misbehaving engine.
constexpr std::size_t kMaxHijackErrorBody = 64U * 1024U;

// Shared, not owned by Client alone: a coroutine still inside request() (or awaiting a retry)
// keeps the pool and TLS context alive if the Client is destroyed meanwhile, so a late
// connection release touches live memory instead of a freed pool.
struct Shared {
  Shared(asio::any_io_executor ex, Endpoint ep, ClientOptions opts)
      : executor(std::move(ex)),
        endpoint(std::move(ep)),
        options(opts),
        display(endpoint.to_string()) {}

  asio::any_io_executor executor;
  Endpoint endpoint;
  ClientOptions options;
  std::string display;
  std::string host_header;
  std::unique_ptr<asio::ssl::context> tls;

  mutable std::mutex mutex;
  std::vector<std::unique_ptr<Connection>> idle;  // guarded by mutex
  std::string api_version{kOurApiVersion};        // guarded by mutex
};

std::unique_ptr<asio::ssl::context> make_tls_context(const TlsMaterial& m) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  const auto fail = [](const std::string& what, const ErrorCode& ec) {
    throw Error::invalid(
        "invalid_docker_tls",
        "The TLS settings for the Docker engine are unusable: " + what + " (" + ec.message() + ")");
  };
  ErrorCode ec;
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1,
                   ec);
  if (ec) fail("cannot restrict the TLS versions", ec);
  if (m.ca_pem.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) fail("cannot load the system certificate store", ec);
  } else {
    ctx->add_certificate_authority(asio::buffer(m.ca_pem), ec);
    if (ec) fail("the CA certificate is not valid PEM", ec);
  }
  if (m.cert_pem.empty() != m.key_pem.empty()) {
    throw Error::invalid("invalid_docker_tls",
                         "The TLS settings for the Docker engine need both a client certificate "
                         "and its key, or neither.");
  }
  if (!m.cert_pem.empty()) {
    ctx->use_certificate_chain(asio::buffer(m.cert_pem), ec);
    if (ec) fail("the client certificate is not valid PEM", ec);
    ctx->use_private_key(asio::buffer(m.key_pem), asio::ssl::context::pem, ec);
    if (ec) fail("the client key is not valid PEM or does not match the certificate", ec);
  }
  ctx->set_verify_mode(m.verify_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
  return ctx;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Beast writes targets and header values verbatim, so a CR or LF smuggled in through a name the
// caller forgot to encode would split the request. These come from our own code; a failure here
// is a bug, reported as internal.
bool header_safe(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}
bool target_safe(std::string_view s) {
  return !s.empty() && s.front() == '/' && std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

Request make_request(const Shared& s, Verb verb, std::string target, std::string body,
                     const Headers& headers) {
  if (!target_safe(target)) {
    throw Error::internal_error("docker: request target is not a valid origin-form: " + target);
  }
  Request req{verb, std::move(target), 11};
  req.set(http::field::host, s.host_header);
  req.set(http::field::user_agent, kUserAgent);
  const bool has_content_type = std::any_of(headers.begin(), headers.end(), [](const auto& h) {
    return iequals(h.first, "content-type");
  });
  if (!body.empty() && !has_content_type) req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) {
    if (name.empty() || !header_safe(name) || !header_safe(value) ||
        name.find(':') != std::string::npos) {
      throw Error::internal_error("docker: request header is not valid: " + name);
    }
    req.set(name, value);
  }
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

bool is_idempotent(Verb verb) {
  switch (verb) {
    case Verb::get:
    case Verb::head:
    case Verb::put:
    case Verb::delete_:
    case Verb::options:
    case Verb::trace:
      return true;
    default:
      return false;
  }
}

// How a connection the engine dropped while it sat idle shows itself on the next use.
bool is_peer_closed(const ErrorCode& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

[[noreturn]] void throw_io(const Shared& s, const ErrorCode& ec, std::string_view during) {
  // The caller cancelled the operation (e.g. it lost an awaitable_operators race): report it the
  // way Asio reports a cancelled use_awaitable operation, not as an engine failure.
  if (ec == asio::error::operation_aborted) throw boost::system::system_error(ec);
  const std::string internal =
      "docker " + std::string(during) + " " + s.display + ": " + ec.message();
  if (ec == beast::error::timeout) {
    throw Error(ErrorKind::unavailable, "engine_timeout",
                "Docker engine at " + s.display + " did not answer in time.", internal);
  }
  if (ec == http::error::body_limit || ec == http::error::header_limit ||
      ec == http::error::buffer_overflow) {
    throw Error(ErrorKind::bad_gateway, "engine_response_too_large",
                "Docker engine at " + s.display + " sent a response larger than allowed.",
                internal);
  }
  // A body cut short is the engine going away (restart, crash), not a malformed answer.
  const bool cut_short = is_peer_closed(ec) || ec == http::error::partial_message;
  if (!cut_short && ec.category() == http::make_error_code(http::error::bad_version).category()) {
    throw Error(ErrorKind::bad_gateway, "engine_protocol_error",
                "Docker engine at " + s.display + " sent a response we cannot parse.", internal);
  }
  throw Error::unavailable(
      "engine_unavailable",
      "The connection to the Docker engine at " + s.display + " failed: " + ec.message(), internal);
}

struct Lease {
  std::unique_ptr<Connection> conn;
  bool reused = false;
};

asio::awaitable<Lease> acquire(std::shared_ptr<Shared> s, bool allow_pooled) {
  while (allow_pooled) {
    std::unique_ptr<Connection> candidate;
    {
      std::lock_guard lock(s->mutex);
      if (s->idle.empty()) break;
      candidate = std::move(s->idle.back());
      s->idle.pop_back();
    }
    if (candidate->usable_when_idle()) co_return Lease{std::move(candidate), true};
  }
  // Not folded into the co_return: GCC 12 destroys a co_await result inside a braced
  // initialiser twice.
  std::unique_ptr<Connection> fresh = co_await detail::connect(
      s->executor, s->endpoint, s->tls.get(), s->options.connect_timeout, s->display);
  co_return Lease{std::move(fresh), false};
}

void release(Shared& s, std::unique_ptr<Connection> conn) {
  std::unique_ptr<Connection> surplus;
  std::lock_guard lock(s.mutex);
  if (s.idle.size() < s.options.max_idle_connections) {
    s.idle.push_back(std::move(conn));
  } else {
    surplus = std::move(conn);  // closed by its destructor, after the lock is released
  }
}

enum class ReadMode { whole, header };

struct Attempt {
  ErrorCode ec;
  bool write_failed = false;
  std::size_t written = 0;
  bool got_response_bytes = false;
};

// Runs on the connection's strand. The deadline covers writing the request and reading what
// `mode` asks for; later stream reads are unbounded, so the timer is disarmed at the end.
template <class Parser>
asio::awaitable<Attempt> exchange(Connection& conn, Request& req, Parser& parser,
                                  std::chrono::milliseconds timeout, ReadMode mode) {
  Attempt a;
  conn.expires_after(timeout);
  auto [wec, written] = co_await conn.write(req);
  a.written = written;
  if (wec) {
    a.ec = wec;
    a.write_failed = true;
  } else {
    if constexpr (std::is_same_v<Parser, StringParser>) {
      if (mode == ReadMode::whole) {
        a.ec = co_await conn.read(parser);
      } else {
        a.ec = co_await conn.read_header(parser);
      }
    } else {
      a.ec = co_await conn.read_header(parser);
    }
    a.got_response_bytes = parser.got_some();
  }
  conn.expires_never();
  co_return a;
}

template <class Parser>
struct Exchanged {
  std::unique_ptr<Connection> conn;
  std::unique_ptr<Parser> parser;
};

// Sends `req` and reads its response (or header). A pooled connection that turns out dead is
// replaced by a fresh one once, when resending cannot do a non-idempotent thing twice.
template <class Parser, class MakeParser>
asio::awaitable<Exchanged<Parser>> perform(std::shared_ptr<Shared> s, Request& req, ReadMode mode,
                                           MakeParser make_parser) {
  const bool idempotent = is_idempotent(req.method());
  for (int attempt = 0;; ++attempt) {
    Lease lease = co_await acquire(s, attempt == 0);
    auto parser = make_parser();
    Connection& conn = *lease.conn;
    const Attempt a = co_await asio::co_spawn(
        conn.strand(), exchange(conn, req, *parser, s->options.request_timeout, mode), no_cancel());
    if (!a.ec) co_return Exchanged<Parser>{std::move(lease.conn), std::move(parser)};
    const bool nothing_sent = a.write_failed && a.written == 0;
    const bool engine_closed_idle = !a.got_response_bytes && is_peer_closed(a.ec);
    if (lease.reused && attempt == 0 && (nothing_sent || (idempotent && engine_closed_idle))) {
      continue;
    }
    throw_io(*s, a.ec, a.write_failed ? "write" : "read");
  }
}

std::string versioned(const Shared& s, std::string_view target) {
  std::string version;
  {
    std::lock_guard lock(s.mutex);
    version = s.api_version;
  }
  return "/v" + version + std::string(target);
}

// The object a refused hijack was about, for map_engine_error: /exec/{id}/start -> "exec".
std::string object_of(std::string_view target) {
  if (target.empty()) return "object";
  const std::string_view path = target.substr(1, target.find_first_of("/?", 1) - 1);
  if (path == "containers") return "container";
  if (path == "exec") return "exec";
  if (path == "images") return "image";
  if (path == "networks") return "network";
  if (path == "volumes") return "volume";
  return "object";
}

std::pair<int, int> parse_version(std::string_view v) {
  const auto dot = v.find('.');
  const auto number = [](std::string_view d) {
    if (d.empty() || d.size() > 4 ||
        !std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return -1;
    }
    return std::stoi(std::string(d));
  };
  if (dot == std::string_view::npos) return {-1, -1};
  return {number(v.substr(0, dot)), number(v.substr(dot + 1))};
}

asio::awaitable<EngineResponse> do_request(std::shared_ptr<Shared> s, Verb verb,
                                           std::string full_target, std::string body,
                                           Headers headers) {
  Request req = make_request(*s, verb, std::move(full_target), std::move(body), headers);
  const std::uint64_t limit = s->options.max_response_body;
  auto [conn, parser] = co_await perform<StringParser>(s, req, ReadMode::whole, [limit, verb] {
    auto p = std::make_unique<StringParser>();
    p->body_limit(limit);
    if (verb == Verb::head) p->skip(true);  // a HEAD answer has headers but no body
    return p;
  });
  auto& res = parser->get();
  EngineResponse out;
  out.status = res.result_int();
  out.content_type = std::string(res[http::field::content_type]);
  out.body = std::move(res.body());
  if (parser->keep_alive()) release(*s, std::move(conn));
  co_return out;
}

// ---- streams ----------------------------------------------------------------------------------

// State a stream shares with the handlers it posts to its strand: close() may be posted just
// before the EngineStream is destroyed, and a read may still be pending on the strand then.
struct StreamCore {
  std::unique_ptr<Connection> conn;
  std::unique_ptr<BufferParser> parser;
  std::string scratch = std::string(kPieceSize, '\0');
  std::atomic<bool> closed{false};
  std::shared_ptr<Shared> shared;  // for error messages only
};

asio::awaitable<std::optional<std::string>> stream_read_piece(std::shared_ptr<StreamCore> core) {
  BufferParser& p = *core->parser;
  for (;;) {
    if (core->closed.load() || p.is_done()) co_return std::nullopt;
    p.get().body().data = core->scratch.data();
    p.get().body().size = core->scratch.size();
    ErrorCode ec = co_await core->conn->read_some(p);
    if (ec == http::error::need_buffer) ec = {};
    const std::size_t n = core->scratch.size() - p.get().body().size;
    if (core->closed.load()) co_return std::nullopt;
    // An engine over TLS that ends an until-close body without close_notify: the body is over.
    if (ec == asio::ssl::error::stream_truncated && p.need_eof()) co_return std::nullopt;
    if (ec) throw_io(*core->shared, ec, "stream read");
    if (n > 0) co_return std::string(core->scratch.data(), n);
  }
}

class EngineStreamImpl final : public EngineStream {
 public:
  EngineStreamImpl(std::shared_ptr<StreamCore> core, unsigned status, std::string content_type)
      : core_(std::move(core)), status_(status), content_type_(std::move(content_type)) {}
  ~EngineStreamImpl() override { close(); }
  EngineStreamImpl(const EngineStreamImpl&) = delete;
  EngineStreamImpl& operator=(const EngineStreamImpl&) = delete;

  [[nodiscard]] unsigned status() const override { return status_; }
  [[nodiscard]] const std::string& content_type() const override { return content_type_; }

  asio::awaitable<std::optional<std::string>> read_some() override {
    auto core = core_;
    const asio::any_io_executor strand = core->conn->strand();
    co_return co_await asio::co_spawn(strand, stream_read_piece(std::move(core)), no_cancel());
  }

  asio::awaitable<std::string> read_all(std::size_t max_bytes) override {
    std::string out;
    while (out.size() < max_bytes) {
      auto piece = co_await read_some();
      if (!piece) co_return out;
      out.append(*piece, 0, std::min(piece->size(), max_bytes - out.size()));
    }
    close();  // the rest is unread, so the connection cannot be used for anything else
    co_return out;
  }

  void close() override {
    if (core_->closed.exchange(true)) return;
    const asio::any_io_executor strand = core_->conn->strand();
    asio::dispatch(strand, [core = core_] { core->conn->close(); });
  }

 private:
  std::shared_ptr<StreamCore> core_;
  unsigned status_;
  std::string content_type_;
};

// ---- hijacked connections ---------------------------------------------------------------------

struct HijackCore {
  std::unique_ptr<Connection> conn;
  std::string pending;  // bytes the engine sent right after its response header
  std::string scratch = std::string(kPieceSize, '\0');
  std::atomic<bool> closed{false};
  std::shared_ptr<Shared> shared;
};

asio::awaitable<std::optional<std::string>> hijack_read(std::shared_ptr<HijackCore> core) {
  if (!core->pending.empty()) {
    std::string first = std::move(core->pending);
    core->pending.clear();
    co_return first;
  }
  if (core->closed.load()) co_return std::nullopt;
  auto [ec, n] = co_await core->conn->read_raw(asio::buffer(core->scratch));
  if (core->closed.load()) co_return std::nullopt;
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) co_return std::nullopt;
  if (ec) throw_io(*core->shared, ec, "hijacked read");
  co_return std::string(core->scratch.data(), n);
}

asio::awaitable<void> hijack_write(std::shared_ptr<HijackCore> core, std::string data) {
  if (core->closed.load()) {
    throw Error::unavailable("engine_connection_closed",
                             "The connection to the Docker engine is closed.");
  }
  auto [ec, n] = co_await core->conn->write_raw(asio::buffer(data));
  (void)n;
  if (ec && core->closed.load()) {
    throw Error::unavailable("engine_connection_closed",
                             "The connection to the Docker engine is closed.");
  }
  if (ec) throw_io(*core->shared, ec, "hijacked write");
}

// read_some may run concurrently with write (one of each at a time): both go through the
// connection's strand, which is what a full-duplex TLS stream needs too.
class HijackedConnectionImpl final : public HijackedConnection {
 public:
  explicit HijackedConnectionImpl(std::shared_ptr<HijackCore> core) : core_(std::move(core)) {}
  ~HijackedConnectionImpl() override { close(); }
  HijackedConnectionImpl(const HijackedConnectionImpl&) = delete;
  HijackedConnectionImpl& operator=(const HijackedConnectionImpl&) = delete;

  asio::awaitable<std::optional<std::string>> read_some() override {
    auto core = core_;
    const asio::any_io_executor strand = core->conn->strand();
    co_return co_await asio::co_spawn(strand, hijack_read(std::move(core)), no_cancel());
  }

  asio::awaitable<void> write(std::string data) override {
    auto core = core_;
    const asio::any_io_executor strand = core->conn->strand();
    co_await asio::co_spawn(strand, hijack_write(std::move(core), std::move(data)), no_cancel());
  }

  void shutdown_write() override {
    if (core_->closed.load()) return;
    const asio::any_io_executor strand = core_->conn->strand();
    asio::dispatch(strand, [core = core_] {
      if (!core->closed.load()) core->conn->shutdown_send();
    });
  }

  void close() override {
    if (core_->closed.exchange(true)) return;
    const asio::any_io_executor strand = core_->conn->strand();
    asio::dispatch(strand, [core = core_] { core->conn->close(); });
  }

 private:
  std::shared_ptr<HijackCore> core_;
};

// Reads the rest of a refused hijack's answer (Docker sends it as plain text until close).
asio::awaitable<std::string> read_error_body(Connection& conn, StringParser& parser,
                                             std::chrono::milliseconds timeout) {
  conn.expires_after(timeout);
  const ErrorCode ec = co_await conn.read(parser);
  conn.expires_never();
  if (ec) co_return std::string{};
  co_return std::move(parser.get().body());
}

}  // namespace

struct Client::Impl {
  std::shared_ptr<Shared> shared;
};

Client::Client(asio::any_io_executor executor, Endpoint endpoint, ClientOptions options)
    : impl_(std::make_unique<Impl>()) {
  auto s = std::make_shared<Shared>(std::move(executor), std::move(endpoint), options);
  if (s->endpoint.kind == Endpoint::Kind::unix_socket) {
    s->host_header = "docker";  // what the Docker CLI sends; the engine ignores it
  } else {
    const bool v6 = s->endpoint.host.find(':') != std::string::npos;
    s->host_header =
        (v6 ? "[" + s->endpoint.host + "]" : s->endpoint.host) + ":" + s->endpoint.port;
    if (s->endpoint.tls) s->tls = make_tls_context(s->endpoint.tls_material);
  }
  impl_->shared = std::move(s);
}

Client::~Client() = default;

const Endpoint& Client::endpoint() const {
  return impl_->shared->endpoint;
}

std::string Client::api_version() const {
  Shared& s = *impl_->shared;
  std::lock_guard lock(s.mutex);
  return s.api_version;
}

asio::awaitable<std::string> Client::negotiate() {
  std::shared_ptr<Shared> s = impl_->shared;
  EngineResponse res = co_await do_request(s, Verb::get, "/version", {}, {});
  if (!res.ok()) throw map_engine_error(res.status, res.body, "engine");
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(res.body, ec);
  const boost::json::object* obj = !ec && doc.is_object() ? &doc.as_object() : nullptr;
  const auto field = [obj](std::string_view key) -> std::string {
    if (obj == nullptr) return {};
    const boost::json::value* v = obj->if_contains(key);
    if (v == nullptr || !v->is_string()) return {};
    return std::string(v->as_string().data(), v->as_string().size());
  };
  const std::string api = field("ApiVersion");
  const auto engine = parse_version(api);
  if (engine.first < 0 || engine.second < 0) {
    throw Error(ErrorKind::bad_gateway, "engine_protocol_error",
                "Docker engine at " + s->display + " did not report its API version.",
                "docker /version body: " + res.body.substr(0, 512));
  }
  if (engine < std::pair{kOurApiMajor, kOurApiMinor}) {
    throw Error(ErrorKind::bad_gateway, "engine_too_old",
                "Docker engine at " + s->display + " speaks API " + api + "; dokkerr needs " +
                    std::string(kOurApiVersion) + " or newer.");
  }
  const std::string min_api = field("MinAPIVersion");
  if (const auto min = parse_version(min_api);
      min.first >= 0 && min.second >= 0 && min > std::pair{kOurApiMajor, kOurApiMinor}) {
    throw Error(ErrorKind::bad_gateway, "engine_too_new",
                "Docker engine at " + s->display + " no longer accepts API " +
                    std::string(kOurApiVersion) + " (its minimum is " + min_api + ").");
  }
  {
    // The engine supports ours, and ours is the newest we know, so min(engine, ours) is ours.
    std::lock_guard lock(s->mutex);
    s->api_version = std::string(kOurApiVersion);
  }
  co_return std::move(res.body);
}

asio::awaitable<EngineResponse> Client::request(Verb verb, std::string target, std::string body,
                                                Headers headers) {
  std::shared_ptr<Shared> s = impl_->shared;
  co_return co_await do_request(s, verb, versioned(*s, target), std::move(body),
                                std::move(headers));
}

asio::awaitable<std::unique_ptr<EngineStream>> Client::stream(Verb verb, std::string target,
                                                              std::string body, Headers headers) {
  std::shared_ptr<Shared> s = impl_->shared;
  Request req = make_request(*s, verb, versioned(*s, target), std::move(body), headers);
  auto [conn, parser] = co_await perform<BufferParser>(s, req, ReadMode::header, [] {
    auto p = std::make_unique<BufferParser>();
    p->body_limit(boost::none);  // events and follow-logs have no end
    return p;
  });
  const unsigned status = parser->get().result_int();
  std::string content_type(parser->get()[http::field::content_type]);
  auto core = std::make_shared<StreamCore>();
  core->conn = std::move(conn);
  core->parser = std::move(parser);
  core->shared = std::move(s);
  co_return std::make_unique<EngineStreamImpl>(std::move(core), status, std::move(content_type));
}

namespace {

constexpr std::size_t kMaxUploadAnswer = 1024U * 1024U;

struct UploadCore {
  std::unique_ptr<Connection> conn;
  std::shared_ptr<Shared> shared;
};

asio::awaitable<void> upload_write(std::shared_ptr<UploadCore> core, std::string bytes) {
  Connection& conn = *core->conn;
  conn.expires_after(core->shared->options.request_timeout);
  auto [ec, n] = co_await conn.write_raw(asio::buffer(bytes));
  (void)n;
  conn.expires_never();
  if (ec) throw_io(*core->shared, ec, "upload write");
}

asio::awaitable<EngineResponse> upload_finish(std::shared_ptr<UploadCore> core) {
  Connection& conn = *core->conn;
  conn.expires_after(core->shared->options.request_timeout);
  static constexpr std::string_view kLastChunk = "0\r\n\r\n";
  auto [wec, n] = co_await conn.write_raw(asio::buffer(kLastChunk.data(), kLastChunk.size()));
  (void)n;
  if (wec) throw_io(*core->shared, wec, "upload write");
  StringParser parser;
  parser.body_limit(kMaxUploadAnswer);
  const ErrorCode ec = co_await conn.read(parser);
  conn.expires_never();
  if (ec) throw_io(*core->shared, ec, "upload answer");
  EngineResponse out;
  out.status = parser.get().result_int();
  out.content_type = std::string(parser.get()[http::field::content_type]);
  out.body = std::move(parser.get().body());
  conn.close();
  co_return out;
}

class EngineUploadImpl final : public EngineUpload {
 public:
  explicit EngineUploadImpl(std::shared_ptr<UploadCore> core) : core_(std::move(core)) {}
  ~EngineUploadImpl() override {
    const asio::any_io_executor strand = core_->conn->strand();
    asio::dispatch(strand, [core = core_] { core->conn->close(); });
  }
  EngineUploadImpl(const EngineUploadImpl&) = delete;
  EngineUploadImpl& operator=(const EngineUploadImpl&) = delete;

  asio::awaitable<void> write(std::string data) override {
    if (data.empty()) co_return;  // an empty chunk would end the body
    std::array<char, 24> size{};
    const int len = std::snprintf(size.data(), size.size(), "%zx\r\n", data.size());
    data.insert(0, size.data(), static_cast<std::size_t>(len));
    data += "\r\n";
    auto core = core_;
    const asio::any_io_executor strand = core->conn->strand();
    co_await asio::co_spawn(strand, upload_write(std::move(core), std::move(data)), no_cancel());
  }

  asio::awaitable<EngineResponse> finish() override {
    auto core = core_;
    const asio::any_io_executor strand = core->conn->strand();
    co_return co_await asio::co_spawn(strand, upload_finish(std::move(core)), no_cancel());
  }

 private:
  std::shared_ptr<UploadCore> core_;
};

}  // namespace

asio::awaitable<std::unique_ptr<EngineUpload>> Client::upload(Verb verb, std::string target,
                                                              Headers headers) {
  std::shared_ptr<Shared> s = impl_->shared;
  Request req = make_request(*s, verb, versioned(*s, target), {}, headers);
  // Only the head is serialized here; the body follows in chunks.
  std::string head =
      std::string(req.method_string()) + " " + std::string(req.target()) + " HTTP/1.1\r\n";
  for (const auto& field : req) {
    if (field.name() == http::field::content_length) continue;
    head += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
  }
  head += "Transfer-Encoding: chunked\r\n\r\n";
  Lease lease = co_await acquire(s, false);
  auto core = std::make_shared<UploadCore>();
  core->conn = std::move(lease.conn);
  core->shared = std::move(s);
  const asio::any_io_executor strand = core->conn->strand();
  co_await asio::co_spawn(strand, upload_write(core, std::move(head)), no_cancel());
  co_return std::make_unique<EngineUploadImpl>(std::move(core));
}

asio::awaitable<std::unique_ptr<HijackedConnection>> Client::hijack(Verb verb, std::string target,
                                                                    std::string body) {
  std::shared_ptr<Shared> s = impl_->shared;
  const std::string what = object_of(target);
  Request req = make_request(*s, verb, versioned(*s, target), std::move(body),
                             {{"Connection", "Upgrade"}, {"Upgrade", "tcp"}});
  auto [conn, parser] = co_await perform<StringParser>(s, req, ReadMode::header, [] {
    auto p = std::make_unique<StringParser>();
    p->body_limit(kMaxHijackErrorBody);
    return p;
  });
  const unsigned status = parser->get().result_int();
  if (status == 101 || status == 200) {
    auto core = std::make_shared<HijackCore>();
    beast::flat_buffer& buffered = conn->buffer();
    core->pending = beast::buffers_to_string(buffered.data());
    buffered.consume(buffered.size());
    core->conn = std::move(conn);
    core->shared = std::move(s);
    co_return std::make_unique<HijackedConnectionImpl>(std::move(core));
  }
  Connection& c = *conn;
  const std::string error_body = co_await asio::co_spawn(
      c.strand(), read_error_body(c, *parser, s->options.request_timeout), no_cancel());
  throw map_engine_error(status, error_body, what);
}

}  // namespace dokkerr::docker
