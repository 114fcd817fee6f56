#pragma once
// A small HTTP/1.1 server for tests of HTTP clients (the S3 client first): it listens on
// 127.0.0.1 on a free port, records every request (method, raw target, headers, body size and
// SHA-256) and answers each with what a callback chooses, so a test can script "503, 503, 200"
// or check the headers a client signed. One thread serves every connection (poll), keeps
// connections alive as HTTP/1.1 does, reads bodies by Content-Length or chunked, and answers
// "Expect: 100-continue" at once so clients do not wait for it.
#include "unit/objects/sigv4_reference.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace dokkerr::objects::testing {

struct CapturedRequest {
  std::size_t connection = 0;  // 1 for the first connection accepted, 2 for the next…
  std::string method;
  std::string target;   // as on the request line: path and query, still percent-encoded
  std::string version;  // "HTTP/1.1"
  std::vector<std::pair<std::string, std::string>> headers;   // as sent, in order
  std::vector<std::pair<std::string, std::string>> trailers;  // of a chunked body
  bool chunked = false;
  std::uint64_t body_size = 0;
  std::string body_sha256;  // lower-case hex, also of an empty body
  std::string body;         // the body while it is at most kKeptBody bytes, else empty

  static constexpr std::size_t kKeptBody = std::size_t{1} << 20U;

  [[nodiscard]] std::string path() const;
  [[nodiscard]] std::string query() const;  // without '?'
  // The first value of a header, by case-insensitive name.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
  // What sigv4_reference needs to re-sign the request.
  [[nodiscard]] SignedRequestParts signed_parts() const;
};

struct CannedResponse {
  int status = 200;
  // Content-Length is added unless given here. A HEAD answer never carries the body, so a test
  // can set Content-Length for HEAD and leave body empty.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close = false;  // close the connection after answering
  bool drop = false;   // close the connection without answering (a server that died mid-request)
  // Waits before answering. The whole server waits: connections are served by one thread.
  std::chrono::milliseconds delay{0};
};

// index: how many requests came before this one (0 for the first), over all connections.
using Responder = std::function<CannedResponse(const CapturedRequest&, std::size_t index)>;

class CaptureServer {
 public:
  // Without a responder every request gets 200 with an empty body. A responder that throws
  // answers 500 with the exception's message.
  explicit CaptureServer(Responder responder = {});
  ~CaptureServer();
  CaptureServer(const CaptureServer&) = delete;
  CaptureServer& operator=(const CaptureServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string url() const;  // http://127.0.0.1:PORT
  // Requests are recorded before they are answered: once a client has its answer, its request
  // is here.
  [[nodiscard]] std::vector<CapturedRequest> requests() const;
  void set_responder(Responder responder);

 private:
  void serve();

  int listener_ = -1;
  int wake_read_ = -1;
  int wake_write_ = -1;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  Responder responder_;
  std::vector<CapturedRequest> requests_;
  std::thread thread_;
};

}  // namespace dokkerr::objects::testing
