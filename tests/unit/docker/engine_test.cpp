// The client against a real Docker engine. Runs only when DOKKERR_TEST_DOCKER_HOST names one
// (the test environment's private dockerd, never the host's default socket); TLS tests also need
// DOKKERR_TEST_DOCKER_TLS_HOST and DOKKERR_TEST_DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem).
#include "core/error.hpp"
#include "core/ids.hpp"
#include "docker/client.hpp"
#include "docker/errors.hpp"
#include "docker/streams.hpp"
#include "unit/docker/test_support.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace dokkerr::docker {
namespace {

using namespace testing;
namespace json = boost::json;

constexpr const char* kTestLabel = "test.dokkerr.run";
// Each test process labels its containers with its own value, so a test that watches events for
// its label never sees containers of tests running beside it.
const std::string& run_label() {
  static const std::string value = dokkerr::random_hex(8);
  return value;
}
using Cmd = std::vector<std::string>;

std::string image() {
  return env("DOKKERR_TEST_IMAGE").value_or("dokkerr-test/busybox:latest");
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out += {'%', kHex[u >> 4U], kHex[u & 0xfU]};
    }
  }
  return out;
}

json::array to_array(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& i : items) a.emplace_back(i);
  return a;
}

std::string str(const json::value* v) {
  if (v == nullptr || !v->is_string()) return {};
  return {v->as_string().data(), v->as_string().size()};
}

std::string id_of(const EngineResponse& res) {
  if (res.status != 201 && res.status != 200) {
    throw std::runtime_error("engine answered " + std::to_string(res.status) + ": " + res.body);
  }
  return str(json::parse(res.body).as_object().if_contains("Id"));
}

struct Demuxed {
  std::string out;
  std::string err;
};

Demuxed demux(std::string_view raw) {
  Demuxed d;
  FrameDemuxer demuxer;
  for (auto& f : demuxer.feed(raw)) {
    (f.stream == StreamKind::stderr_ ? d.err : d.out) += f.payload;
  }
  EXPECT_EQ(demuxer.buffered(), 0U);
  return d;
}

// Container operations shared by the unix and TLS suites. Every container gets the test label,
// and its id goes into `created` so the fixture removes it.
struct Engine {
  Client& client;
  std::vector<std::string>& created;

  asio::awaitable<std::string> create(std::vector<std::string> cmd, bool tty = false) {
    json::object body;
    body["Image"] = image();
    body["Cmd"] = to_array(cmd);
    body["Tty"] = tty;
    body["Labels"] = json::object{{kTestLabel, run_label()}};
    body["HostConfig"] = json::object{{"NetworkMode", "none"}};
    const auto res =
        co_await client.request(Verb::post, "/containers/create", json::serialize(body));
    std::string id = id_of(res);
    created.push_back(id);
    co_return id;
  }

  asio::awaitable<void> start(const std::string& id) {
    const auto res = co_await client.request(Verb::post, "/containers/" + id + "/start");
    if (!res.ok()) throw map_engine_error(res.status, res.body, "container");
  }

  asio::awaitable<std::string> started(std::vector<std::string> cmd) {
    std::string id = co_await create(std::move(cmd));
    co_await start(id);
    co_return id;
  }

  // Runs `cmd` in the container through a hijacked exec start and returns the raw bytes.
  asio::awaitable<std::string> exec(const std::string& id, std::vector<std::string> cmd, bool tty,
                                    std::optional<std::string> stdin_data = std::nullopt) {
    json::object spec{{"Cmd", to_array(cmd)},
                      {"AttachStdout", true},
                      {"AttachStderr", true},
                      {"AttachStdin", stdin_data.has_value()},
                      {"Tty", tty}};
    const auto created_exec =
        co_await client.request(Verb::post, "/containers/" + id + "/exec", json::serialize(spec));
    const std::string exec_id = id_of(created_exec);
    json::object start{{"Detach", false}, {"Tty", tty}};
    auto conn =
        co_await client.hijack(Verb::post, "/exec/" + exec_id + "/start", json::serialize(start));
    if (stdin_data) {
      co_await conn->write(*stdin_data);
      conn->shutdown_write();
    }
    std::string raw;
    while (auto piece = co_await conn->read_some()) raw += *piece;
    co_return raw;
  }
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto host = env("DOKKERR_TEST_DOCKER_HOST");
    if (!host) GTEST_SKIP() << "DOKKERR_TEST_DOCKER_HOST is not set: no engine to test against";
    endpoint_ = parse_endpoint(*host);
    client_ = std::make_unique<Client>(ioc_.get_executor(), endpoint_);
  }

  void TearDown() override {
    if (client_ == nullptr) return;
    for (const auto& id : created_) {
      try {
        (void)run(ioc_, client_->request(Verb::delete_, "/containers/" + id + "?force=1&v=1"));
      } catch (const std::exception& e) {
        ADD_FAILURE() << "could not remove test container " << id << ": " << e.what();
      }
    }
    client_.reset();
  }

  Engine engine() { return Engine{*client_, created_}; }

  asio::io_context ioc_;
  Endpoint endpoint_;
  std::unique_ptr<Client> client_;
  std::vector<std::string> created_;
};

TEST_F(EngineTest, Negotiate) {
  const std::string body = run(ioc_, client_->negotiate());
  const json::value v = json::parse(body);
  EXPECT_TRUE(v.as_object().contains("ApiVersion"));
  EXPECT_EQ(client_->api_version(), "1.41");
}

TEST_F(EngineTest, ListContainers) {
  const auto res = run(ioc_, client_->request(Verb::get, "/containers/json?all=1"));
  EXPECT_EQ(res.status, 200U);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_TRUE(json::parse(res.body).is_array());
}

TEST_F(EngineTest, NotFoundIsMapped) {
  const auto res =
      run(ioc_, client_->request(Verb::get, "/containers/dokkerr-no-such-container/json"));
  EXPECT_EQ(res.status, 404U);
  const Error e = map_engine_error(res.status, res.body, "container");
  EXPECT_EQ(e.kind(), ErrorKind::not_found);
  EXPECT_EQ(e.code(), "container_not_found");
  EXPECT_NE(e.detail().find("No such container"), std::string::npos) << e.detail();

  const auto hijack_err = error_of([&] {
    (void)run(ioc_, client_->hijack(Verb::post, "/exec/dokkerr-no-such-exec/start", "{}"));
  });
  ASSERT_TRUE(hijack_err);
  EXPECT_EQ(hijack_err->code(), "exec_not_found");
}

TEST_F(EngineTest, BadCreateBodyKeepsTheEngineMessage) {
  const auto res = run(ioc_, client_->request(Verb::post, "/containers/create",
                                              R"({"Image":"NOT A VALID/reference"})"));
  ASSERT_FALSE(res.ok());
  const Error e = map_engine_error(res.status, res.body, "container");
  EXPECT_NE(e.detail().find("invalid reference format"), std::string::npos) << e.detail();
}

TEST_F(EngineTest, ExecWithoutTtyIsMultiplexed) {
  Engine eng = engine();
  // Commands are built outside the coroutines: GCC 12 miscompiles braced lists in co_await.
  const Cmd sleeper{"sleep", "300"};
  const Cmd cmd{"sh", "-c", "echo hello; echo oops >&2"};
  const std::string raw = run(ioc_, [&]() -> asio::awaitable<std::string> {
    const std::string id = co_await eng.started(sleeper);
    co_return co_await eng.exec(id, cmd, false);
  }());
  const Demuxed d = demux(raw);
  EXPECT_EQ(d.out, "hello\n");
  EXPECT_EQ(d.err, "oops\n");
}

TEST_F(EngineTest, ExecWithTtyIsRaw) {
  Engine eng = engine();
  const Cmd sleeper{"sleep", "300"};
  const Cmd cmd{"echo", "hello"};
  const std::string raw = run(ioc_, [&]() -> asio::awaitable<std::string> {
    const std::string id = co_await eng.started(sleeper);
    co_return co_await eng.exec(id, cmd, true);
  }());
  EXPECT_EQ(raw, "hello\r\n");
}

TEST_F(EngineTest, ExecStdinThroughHijackAndHalfClose) {
  Engine eng = engine();
  const Cmd sleeper{"sleep", "300"};
  const Cmd cmd{"cat"};
  const std::string raw = run(ioc_, [&]() -> asio::awaitable<std::string> {
    const std::string id = co_await eng.started(sleeper);
    co_return co_await eng.exec(id, cmd, false, std::string("ping\npong\n"));
  }());
  EXPECT_EQ(demux(raw).out, "ping\npong\n");
}

TEST_F(EngineTest, MultiplexedLogs) {
  Engine eng = engine();
  const Cmd cmd{"sh", "-c", "echo out; echo err >&2"};
  const std::string raw = run(ioc_, [&]() -> asio::awaitable<std::string> {
    const std::string id = co_await eng.started(cmd);
    const auto waited = co_await client_->request(Verb::post, "/containers/" + id + "/wait");
    EXPECT_EQ(waited.status, 200U) << waited.body;
    auto logs = co_await client_->stream(Verb::get,
                                         "/containers/" + id + "/logs?stdout=1&stderr=1&follow=1");
    EXPECT_EQ(logs->status(), 200U);
    std::string all;
    while (auto piece = co_await logs->read_some()) all += *piece;
    co_return all;
  }());
  const Demuxed d = demux(raw);
  EXPECT_EQ(d.out, "out\n");
  EXPECT_EQ(d.err, "err\n");
}

TEST_F(EngineTest, EventsStreamAndCloseCancelsAPendingRead) {
  Engine eng = engine();
  const std::string filters =
      percent_encode(R"({"label":["test.dokkerr.run=)" + run_label() + R"("],"type":["container"]})");
  std::unique_ptr<EngineStream> events;
  const Cmd cmd{"true"};
  const std::string id = run(ioc_, [&]() -> asio::awaitable<std::string> {
    events = co_await client_->stream(Verb::get, "/events?filters=" + filters);
    EXPECT_EQ(events->status(), 200U);
    const std::string created_id = co_await eng.create(cmd);
    LineSplitter lines;
    for (;;) {
      auto piece = co_await events->read_some();
      if (!piece) throw std::runtime_error("event stream ended early");
      for (const auto& line : lines.feed(*piece)) {
        const json::value ev = json::parse(line);
        if (str(ev.as_object().if_contains("Action")) == "create" &&
            str(ev.as_object().if_contains("id")) == created_id) {
          co_return created_id;
        }
      }
    }
  }());
  EXPECT_FALSE(id.empty());

  // Nothing else happens with this label now: the next read waits until close() ends it.
  std::atomic<bool> done{false};
  std::optional<std::string> got = std::string("unset");
  asio::co_spawn(
      ioc_,
      [&]() -> asio::awaitable<void> {
        got = co_await events->read_some();
        done = true;
      },
      asio::detached);
  const auto start = std::chrono::steady_clock::now();
  run(ioc_, [&]() -> asio::awaitable<void> {
    co_await sleep_for(300ms);
    EXPECT_FALSE(done.load());
    events->close();
    while (!done.load()) co_await sleep_for(10ms);
  }());
  EXPECT_FALSE(got.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(EngineTest, ClosedPortIsUnavailableWithinTheConnectTimeout) {
  std::string port;
  {
    asio::io_context tmp;
    asio::ip::tcp::acceptor a(tmp, {asio::ip::make_address("127.0.0.1"), 0});
    port = std::to_string(a.local_endpoint().port());
  }
  ClientOptions o;
  o.connect_timeout = 1000ms;
  Client closed(ioc_.get_executor(), parse_endpoint("tcp://127.0.0.1:" + port), o);
  const auto start = std::chrono::steady_clock::now();
  const auto err = error_of([&] { (void)run(ioc_, closed.negotiate()); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code(), "engine_unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(EngineTest, ConcurrentRequestsOnTwoThreads) {
  asio::io_context pool_ioc(2);
  ClientOptions o;
  o.max_idle_connections = 3;  // fewer than the coroutines, so connections churn and get reused
  Client shared_client(pool_ioc.get_executor(), endpoint_, o);
  constexpr int kCoroutines = 12;
  constexpr int kRequests = 6;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::mutex mutex;
  std::string first_error;
  for (int c = 0; c < kCoroutines; ++c) {
    asio::co_spawn(
        pool_ioc,
        [&, c]() -> asio::awaitable<void> {
          static const char* const targets[] = {"/_ping", "/containers/json?all=1", "/version",
                                                "/info"};
          for (int r = 0; r < kRequests; ++r) {
            const auto res = co_await shared_client.request(Verb::get, targets[(c + r) % 4]);
            (res.ok() ? ok : failed)++;
          }
        },
        [&](const std::exception_ptr& e) {
          if (!e) return;
          failed++;
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            std::lock_guard lock(mutex);
            first_error = ex.what();
          }
        });
  }
  std::thread second([&] { pool_ioc.run(); });
  pool_ioc.run();
  second.join();
  EXPECT_EQ(failed.load(), 0) << first_error;
  EXPECT_EQ(ok.load(), kCoroutines * kRequests);
}

// ---- TLS ----------------------------------------------------------------------------------------

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class EngineTlsTest : public EngineTest {
 protected:
  void SetUp() override {
    const auto host = env("DOKKERR_TEST_DOCKER_TLS_HOST");
    const auto certs = env("DOKKERR_TEST_DOCKER_CERT_PATH");
    if (!host || !certs) {
      GTEST_SKIP() << "DOKKERR_TEST_DOCKER_TLS_HOST/DOKKERR_TEST_DOCKER_CERT_PATH are not set";
    }
    certs_ = *certs;
    endpoint_ = parse_endpoint(*host);
    endpoint_.tls_material.ca_pem = read_file(certs_ + "/ca.pem");
    endpoint_.tls_material.cert_pem = read_file(certs_ + "/cert.pem");
    endpoint_.tls_material.key_pem = read_file(certs_ + "/key.pem");
    client_ = std::make_unique<Client>(ioc_.get_executor(), endpoint_);
  }
  std::string certs_;
};

TEST_F(EngineTlsTest, NegotiateAndExecWithStdin) {
  ASSERT_TRUE(endpoint_.tls);
  EXPECT_EQ(json::parse(run(ioc_, client_->negotiate())).as_object().count("ApiVersion"), 1U);
  Engine eng = engine();
  const Cmd sleeper{"sleep", "300"};
  const Cmd cmd{"cat"};
  const std::string raw = run(ioc_, [&]() -> asio::awaitable<std::string> {
    const std::string id = co_await eng.started(sleeper);
    co_return co_await eng.exec(id, cmd, false, std::string("over tls\n"));
  }());
  EXPECT_EQ(demux(raw).out, "over tls\n");
  const auto again = run(ioc_, client_->request(Verb::get, "/_ping"));
  EXPECT_EQ(again.body, "OK");
}

TEST_F(EngineTlsTest, UntrustedEngineCertificateIsRefused) {
  Endpoint wrong_ca = endpoint_;
  wrong_ca.tls_material.ca_pem = read_file(certs_ + "/cert.pem");  // not the CA that signed it
  Client untrusting(ioc_.get_executor(), wrong_ca);
  const auto err = error_of([&] { (void)run(ioc_, untrusting.negotiate()); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code(), "engine_unavailable");
  EXPECT_NE(err->detail().find("TLS handshake failed"), std::string::npos) << err->detail();

  Endpoint unverified = wrong_ca;
  unverified.tls_material.verify_peer = false;
  Client trusting(ioc_.get_executor(), unverified);
  EXPECT_EQ(run(ioc_, trusting.request(Verb::get, "/_ping")).body, "OK");
}

}  // namespace
}  // namespace dokkerr::docker
