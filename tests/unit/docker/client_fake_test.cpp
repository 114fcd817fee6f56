// The client against a scripted fake engine on loopback: wire format, pooling, retry, timeouts and
// the stream/hijack plumbing, without needing dockerd.
#include "core/error.hpp"
#include "docker/client.hpp"
#include "unit/docker/test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

namespace dokkerr::docker {
namespace {

using namespace testing;

Endpoint tcp_endpoint(const std::string& port) {
  return parse_endpoint("tcp://127.0.0.1:" + port);
}

ClientOptions quick_options() {
  ClientOptions o;
  o.connect_timeout = 1000ms;
  o.request_timeout = 2000ms;
  return o;
}

TEST(ClientFake, SendsPrefixedTargetAndStandardHeaders) {
  std::mutex mutex;
  std::vector<std::string> seen;
  FakeEngine engine([&](Socket& s, int, FakeEngine&) {
    std::string carry;
    for (;;) {
      std::string req = read_request(s, carry);
      if (req.empty()) return;
      {
        std::lock_guard lock(mutex);
        seen.push_back(req);
      }
      write_all(s, ok_response(R"({"Id":"abc"})"));
    }
  });
  asio::io_context ioc;
  Client client(ioc.get_executor(), tcp_endpoint(engine.port()), quick_options());
  const auto res = run(ioc, client.request(Verb::post, "/containers/create?name=web", "{}"));
  EXPECT_EQ(res.status, 200U);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, R"({"Id":"abc"})");
  (void)run(ioc, client.request(Verb::put, "/containers/x/archive?path=/", "TAR",
                                {{"Content-Type", "application/x-tar"}}));
  (void)run(ioc, client.request(Verb::get, "/containers/json?all=1"));

  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[0].rfind("POST /v1.41/containers/create?name=web HTTP/1.1\r\n", 0), 0U) << seen[0];
  EXPECT_NE(seen[0].find("Host: 127.0.0.1:" + engine.port() + "\r\n"), std::string::npos);
  EXPECT_NE(seen[0].find("User-Agent: dokkerr/0.1\r\n"), std::string::npos);
  EXPECT_NE(seen[0].find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(seen[0].find("Content-Length: 2\r\n\r\n{}"), std::string::npos);
  EXPECT_NE(seen[1].find("Content-Type: application/x-tar\r\n"), std::string::npos);
  EXPECT_EQ(seen[1].find("application/json"), std::string::npos);
  EXPECT_EQ(seen[2].find("Content-Type"), std::string::npos);
  EXPECT_EQ(engine.connections(), 1) << "keep-alive connection should have been reused";
}

TEST(ClientFake, RefusesHeaderInjection) {
  asio::io_context ioc;
  Client client(ioc.get_executor(), tcp_endpoint("1"), quick_options());
  const auto bad_target = error_of([&] { (void)run(ioc, client.request(Verb::get, "/x y")); });
  ASSERT_TRUE(bad_target);
  EXPECT_EQ(bad_target->kind(), ErrorKind::internal);
  const auto bad_header = error_of([&] {
    (void)run(ioc, client.request(Verb::get, "/x", {}, {{"X-Registry-Auth", "a\r\nEvil: 1"}}));
  });
  ASSERT_TRUE(bad_header);
  EXPECT_EQ(bad_header->kind(), ErrorKind::internal);
}

// The engine dropped a pooled connection after reading the next request (the race a liveness
// check cannot see): an idempotent request is replayed on a fresh connection, a POST is not.
TEST(ClientFake, RetriesIdempotentRequestsOnAConnectionTheEngineDropped) {
  FakeEngine engine([](Socket& s, int index, FakeEngine&) {
    std::string carry;
    if (index % 2 == 0) {
      if (read_request(s, carry).empty()) return;
      write_all(s, ok_response("first"));
      (void)read_request(s, carry);
      FakeEngine::drop(s);
      return;
    }
    if (read_request(s, carry).empty()) return;
    write_all(s, ok_response("second", "Connection: close\r\n"));
    FakeEngine::drop(s);
  });
  asio::io_context ioc;
  Client client(ioc.get_executor(), tcp_endpoint(engine.port()), quick_options());
  EXPECT_EQ(run(ioc, client.request(Verb::get, "/a")).body, "first");
  EXPECT_EQ(run(ioc, client.request(Verb::get, "/b")).body, "second");
  EXPECT_EQ(engine.connections(), 2);

  EXPECT_EQ(run(ioc, client.request(Verb::get, "/c")).body, "first");
  const auto err = error_of([&] { (void)run(ioc, client.request(Verb::post, "/d", "{}")); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind(), ErrorKind::unavailable);
  EXPECT_EQ(err->code(), "engine_unavailable");
  EXPECT_EQ(engine.connections(), 3) << "a POST must not be replayed once sent";
}

TEST(ClientFake, DiscardsPooledConnectionsTheEngineClosedWhileIdle) {
  FakeEngine engine([](Socket& s, int, FakeEngine&) {
    std::string carry;
    if (read_request(s, carry).empty()) return;
    write_all(s, ok_response("ok"));  // keep-alive promised...
    FakeEngine::drop(s);              // ...then closed while idle
  });
  asio::io_context ioc;
  Client client(ioc.get_executor(), tcp_endpoint(engine.port()), quick_options());
  EXPECT_EQ(run(ioc, client.request(Verb::get, "/a")).body, "ok");
  run(ioc, sleep_for(100ms));
  EXPECT_EQ(run(ioc, client.request(Verb::post, "/b", "{}")).body, "ok");
  EXPECT_EQ(engine.connections(), 2);
}

TEST(ClientFake, RequestTimeout) {
  FakeEngine engine([](Socket&, int, FakeEngine& e) { e.hold(); });
  asio::io_context ioc;
  ClientOptions o = quick_options();
  o.request_timeout = 300ms;
  Client client(ioc.get_executor(), tcp_endpoint(engine.port()), o);
  const auto start = std::chrono::steady_clock::now();
  const auto err = error_of([&] { (void)run(ioc, client.request(Verb::get, "/slow")); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind(), ErrorKind::unavailable);
  EXPECT_EQ(err->code(), "engine_timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(ClientFake, ClosedPortIsEngineUnavailable) {
  std::string port;
  {
    asio::io_context tmp;
    asio::ip::tcp::acceptor a(tmp, {asio::ip::make_address("127.0.0.1"), 0});
    port = std::to_string(a.local_endpoint().port());
  }
  asio::io_context ioc;
  Client client(ioc.get_executor(), tcp_endpoint(port), quick_options());
  const auto start = std::chrono::steady_clock::now();
  const auto err = error_of([&] { (void)run(ioc, client.request(Verb::get, "/_ping")); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind(), ErrorKind::unavailable);
  EXPECT_EQ(err->code(), "engine_unavailable");
  EXPECT_NE(err->detail().find("Docker engine at tcp://127.0.0.1:" + port + " is unreachable: "),
            std::string::npos)
      << err->detail();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(ClientFake, MissingUnixSocketIsEngineUnavailable) {
  asio::io_context ioc;
  Client client(ioc.get_executor(), parse_endpoint("unix:///nonexistent/dokkerr-test.sock"));
  const auto err = error_of([&] { (void)run(ioc, client.negotiate()); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code(), "engine_unavailable");
}

TEST(ClientFake, SilentTlsPeerTimesOutWithinTheConnectTimeout) {
  FakeEngine engine([](Socket&, int, FakeEngine& e) { e.hold(); });
  asio::io_context ioc;
  ClientOptions o = quick_options();
  o.connect_timeout = 300ms;
  Endpoint ep = parse_endpoint("https://127.0.0.1:" + engine.port());
  Client client(ioc.get_executor(), ep, o);
  const auto start = std::chrono::steady_clock::now();
  const auto err = error_of([&] { (void)run(ioc, client.request(Verb::get, "/_ping")); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code(), "engine_unavailable");
  EXPECT_NE(err->detail().find("timed out"), std::string::npos) << err->detail();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(ClientFake, InvalidTlsMaterialIsRejectedUpFront) {
  asio::io_context ioc;
  Endpoint ep = parse_endpoint("https://127.0.0.1:2376");
  ep.tls_material.ca_pem = "not a certificate";
  const auto err = error_of([&] { Client client(ioc.get_executor(), ep); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code(), "invalid_docker_tls");
  ep.tls_material.ca_pem.clear();
  ep.tls_material.cert_pem = "-----BEGIN CERTIFICATE-----";
  EXPECT_TRUE(error_of([&] { Client client(ioc.get_executor(), ep); }));
}

TEST(ClientFake, ResponseBodyLimit) {
  FakeEngine engine([](Socket& s, int, FakeEngine&) {
    std::string carry;
    if (read_request(s, carry).empty()) return;
    write_all(s, ok_response(std::string(100, 'x')));
  });
  asio::io_context ioc;
  ClientOptions o = quick_options();
  o.max_response_body = 10;
  Client client(ioc.get_executor(), tcp_endpoint(engine.port()), o);
  const auto err = error_of([&] { (void)run(ioc, client.request(Verb::get, "/big")); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind(), ErrorKind::bad_gateway);
  EXPECT_EQ(err->code(), "engine_response_too_large");
}

TEST(ClientFake, GarbageIsAProtocolError) {
  FakeEngine engine([](Socket& s, int, FakeEngine&) {
    std::string carry;
    if (read_request(s, carry).empty()) return;
    write_all(s, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
  });
  asio::io_context ioc;
  Client client(ioc.get_executor(), tcp_endpoint(engine.port()), quick_options());
  const auto err = error_of([&] { (void)run(ioc, client.request(Verb::get, "/x")); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind(), ErrorKind::bad_gateway);
  EXPECT_EQ(err->code(), "engine_protocol_error");
}

TEST(ClientFake, StreamDeliversChunkedPiecesAsTheyArrive) {
  FakeEngine engine([](Socket& s, int, FakeEngine&) {
    std::string carry;
    if (read_request(s, carry).empty()) return;
    write_all(s,
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              "Transfer-Encoding: chunked\r\n\r\n");
    write_all(s, "6\r\n{\"a\":1\r\n");
    std::this_thread::sleep_for(50ms);
    write_all(s, "2\r\n}\n\r\n");
    std::this_thread::sleep_for(50ms);
    write_all(s, "8\r\n{\"b\":2}\n\r\n0\r\n\r\n");
  });
  asio::io_context ioc;
  Client client(ioc.get_executor(), tcp_endpoint(engine.port()), quick_options());
  const std::string all = run(ioc, [&]() -> asio::awaitable<std::string> {
    auto stream = co_await client.stream(Verb::get, "/events");
    EXPECT_EQ(stream->status(), 200U);
    EXPECT_EQ(stream->content_type(), "application/json");
    std::string body;
    int pieces = 0;
    while (auto piece = co_await stream->read_some()) {
      body += *piece;
      ++pieces;
    }
    EXPECT_GE(pieces, 2);
    EXPECT_FALSE(co_await stream->read_some());  // stays at the end
    co_return body;
  }());
  EXPECT_EQ(all, "{\"a\":1}\n{\"b\":2}\n");
}

TEST(ClientFake, StreamErrorBodyWithReadAll) {
  FakeEngine engine([](Socket& s, int, FakeEngine&) {
    std::string carry;
    if (read_request(s, carry).empty()) return;
    const std::string body = R"({"message":"No such container: nope"})";
    write_all(s, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body);
  });
  asio::io_context ioc;
  Client client(ioc.get_executor(), tcp_endpoint(engine.port()), quick_options());
  const auto [status, body, truncated] =
      run(ioc, [&]() -> asio::awaitable<std::tuple<unsigned, std::string, std::string>> {
        auto stream = co_await client.stream(Verb::get, "/containers/nope/logs?follow=1");
        const unsigned st = stream->status();
        std::string b = co_await stream->read_all(1 << 20);
        auto again = co_await client.stream(Verb::get, "/containers/nope/logs?follow=1");
        std::string t = co_await again->read_all(5);
        co_return std::tuple{st, std::move(b), std::move(t)};
      }());
  EXPECT_EQ(status, 404U);
  EXPECT_EQ(body, "{\"message\":\"No such container: nope\"}");
  EXPECT_EQ(truncated, "{\"mes");
}

TEST(ClientFake, CloseCancelsAPendingStreamRead) {
  FakeEngine engine([](Socket& s, int, FakeEngine& e) {
    std::string carry;
    if (read_request(s, carry).empty()) return;
    write_all(s,
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              "Transfer-Encoding: chunked\r\n\r\n");
    e.hold();  // an event stream with nothing to say
  });
  asio::io_context ioc;
  Client client(ioc.get_executor(), tcp_endpoint(engine.port()), quick_options());
  auto stream = run(ioc, client.stream(Verb::get, "/events"));
  std::atomic<bool> done{false};
  std::optional<std::string> got = std::string("unset");
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        got = co_await stream->read_some();
        done = true;
      },
      asio::detached);
  const auto start = std::chrono::steady_clock::now();
  run(ioc, [&]() -> asio::awaitable<void> {
    co_await sleep_for(200ms);
    EXPECT_FALSE(done.load()) << "the read should still be pending";
    stream->close();
    while (!done.load()) co_await sleep_for(10ms);
  }());
  EXPECT_FALSE(got.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_FALSE(run(ioc, stream->read_some()).has_value());
}

TEST(ClientFake, HijackHandsOverBufferedBytesAndHalfCloses) {
  FakeEngine engine([](Socket& s, int, FakeEngine&) {
    std::string carry;
    const std::string req = read_request(s, carry);
    if (req.find("Connection: Upgrade\r\n") == std::string::npos ||
        req.find("Upgrade: tcp\r\n") == std::string::npos) {
      write_all(s, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    // The first output travels in the same segment as the 101 header.
    write_all(s,
              "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
              "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\nready\n");
    std::string input;
    char buf[256];
    boost::system::error_code ec;
    for (;;) {
      const std::size_t n = s.read_some(asio::buffer(buf), ec);
      if (ec) break;  // EOF: the client half-closed
      input.append(buf, n);
    }
    write_all(s, "got:" + input);
    FakeEngine::drop(s);
  });
  asio::io_context ioc;
  Client client(ioc.get_executor(), tcp_endpoint(engine.port()), quick_options());
  const std::string out = run(ioc, [&]() -> asio::awaitable<std::string> {
    auto conn = co_await client.hijack(Verb::post, "/exec/abc/start", R"({"Detach":false})");
    std::string all;
    auto first = co_await conn->read_some();
    if (first) all += *first;
    co_await conn->write("line 1\n");
    co_await conn->write("line 2\n");
    conn->shutdown_write();
    while (auto piece = co_await conn->read_some()) all += *piece;
    co_return all;
  }());
  EXPECT_EQ(out, "ready\ngot:line 1\nline 2\n");
}

TEST(ClientFake, RefusedHijackIsMappedFromThePlainTextAnswer) {
  FakeEngine engine([](Socket& s, int, FakeEngine&) {
    std::string carry;
    if (read_request(s, carry).empty()) return;
    write_all(s,
              "HTTP/1.1 404 Not Found\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
              "\r\nNo such container: nonexist\r\n");
    FakeEngine::drop(s);
  });
  asio::io_context ioc;
  Client client(ioc.get_executor(), tcp_endpoint(engine.port()), quick_options());
  const auto err = error_of(
      [&] { (void)run(ioc, client.hijack(Verb::post, "/containers/nonexist/attach?stream=1")); });
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind(), ErrorKind::not_found);
  EXPECT_EQ(err->code(), "container_not_found");
  EXPECT_EQ(err->detail(), "No such container: nonexist");
}

TEST(ClientFake, NegotiateChecksTheEngineApiVersion) {
  std::atomic<int> which{0};
  FakeEngine engine([&](Socket& s, int, FakeEngine&) {
    std::string carry;
    for (;;) {
      const std::string req = read_request(s, carry);
      if (req.empty()) return;
      EXPECT_EQ(req.rfind("GET /version HTTP/1.1\r\n", 0), 0U) << req;
      static const char* const bodies[] = {
          R"({"ApiVersion":"1.41","MinAPIVersion":"1.12","Version":"20.10.24"})",
          R"({"ApiVersion":"1.40","MinAPIVersion":"1.12"})",
          R"({"ApiVersion":"1.52","MinAPIVersion":"1.44"})",
          R"({"Version":"x"})",
          R"({"ApiVersion":"1.45","MinAPIVersion":"1.24"})",
      };
      write_all(s, ok_response(bodies[which.load()]));
    }
  });
  asio::io_context ioc;
  Client client(ioc.get_executor(), tcp_endpoint(engine.port()), quick_options());
  EXPECT_EQ(client.api_version(), "1.41");
  EXPECT_NE(run(ioc, client.negotiate()).find("20.10.24"), std::string::npos);
  EXPECT_EQ(client.api_version(), "1.41");
  const std::pair<int, const char*> failures[] = {
      {1, "engine_too_old"}, {2, "engine_too_new"}, {3, "engine_protocol_error"}};
  for (const auto& [index, code] : failures) {
    which = index;
    const auto err = error_of([&] { (void)run(ioc, client.negotiate()); });
    ASSERT_TRUE(err) << code;
    EXPECT_EQ(err->kind(), ErrorKind::bad_gateway);
    EXPECT_EQ(err->code(), code);
  }
  which = 4;
  (void)run(ioc, client.negotiate());
  EXPECT_EQ(client.api_version(), "1.41");
}

// Other modules race a read against a timer with awaitable_operators `||`; the loser is
// cancelled through its cancellation slot and must finish promptly.
}  // namespace
}  // namespace dokkerr::docker
