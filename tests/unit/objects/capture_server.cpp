#include "unit/objects/capture_server.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace dokkerr::objects::testing {
namespace {

// A request head larger than this is refused (431) rather than buffered without end.
constexpr std::size_t kMaxHead = std::size_t{64} << 10U;

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool contains_token(std::string_view list, std::string_view token) {
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    if (same_name(trimmed(list.substr(start, end - start)), token)) return true;
    start = end + 1;
  }
  return false;
}

std::string_view reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 416:
      return "Range Not Satisfiable";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

struct DigestDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

class Sha256 {
 public:
  Sha256() { reset(); }
  void reset() {
    context_.reset(EVP_MD_CTX_new());
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("SHA-256 init failed");
    }
  }
  void update(std::string_view bytes) {
    if (EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size()) != 1) {
      throw std::runtime_error("SHA-256 update failed");
    }
  }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(context_.get(), digest.data(), &size) != 1) {
      throw std::runtime_error("SHA-256 final failed");
    }
    static constexpr std::string_view kDigits = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
      out.push_back(kDigits[digest[i] >> 4U]);
      out.push_back(kDigits[digest[i] & 0x0FU]);
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> context_;
};

// Blocking send of everything, on a socket that may be non-blocking. False when the peer left.
bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd writable{fd, POLLOUT, 0};
      if (::poll(&writable, 1, 10'000) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

// One client connection: bytes read and not yet parsed, and the request being read.
class Connection {
 public:
  enum class State { head, body, chunk_size, chunk_data, chunk_end, trailers };

  Connection(int fd, std::size_t id) : fd_(fd), id_(id) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { ::close(fd_); }

  [[nodiscard]] int fd() const { return fd_; }

  // Reads what is there. False when the peer closed or the connection failed.
  bool receive() {
    std::array<char, 64 * 1024> chunk{};
    const auto got = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (got <= 0) return false;
    input_.append(chunk.data(), static_cast<std::size_t>(got));
    return true;
  }

  // Parses as far as the input goes. Returns a request once one is complete (the caller answers
  // it, then calls again for a pipelined one); empty when more input is needed. Throws
  // std::invalid_argument for a malformed request and std::length_error for a head too large.
  std::optional<CapturedRequest> next() {
    for (;;) {
      switch (state_) {
        case State::head:
          if (!read_head()) return std::nullopt;
          break;
        case State::body: {
          const auto take =
              static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input_.size()));
          consume_body(take);
          remaining_ -= take;
          if (remaining_ > 0) return std::nullopt;
          return finish();
        }
        case State::chunk_size: {
          const auto line = take_line();
          if (!line) return std::nullopt;
          const auto size_text = trimmed(std::string_view(*line).substr(0, line->find(';')));
          if (size_text.empty() || size_text.size() > 15) {
            throw std::invalid_argument("bad chunk size");
          }
          std::uint64_t size = 0;
          for (const char c : size_text) {
            const auto digit = std::string_view("0123456789abcdef").find(lower(c));
            if (digit == std::string_view::npos) throw std::invalid_argument("bad chunk size");
            size = size * 16 + digit;
          }
          remaining_ = size;
          state_ = size == 0 ? State::trailers : State::chunk_data;
          break;
        }
        case State::chunk_data: {
          const auto take =
              static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input_.size()));
          consume_body(take);
          remaining_ -= take;
          if (remaining_ > 0) return std::nullopt;
          state_ = State::chunk_end;
          break;
        }
        case State::chunk_end: {
          const auto line = take_line();
          if (!line) return std::nullopt;
          if (!line->empty()) throw std::invalid_argument("chunk not followed by CRLF");
          state_ = State::chunk_size;
          break;
        }
        case State::trailers: {
          const auto line = take_line();
          if (!line) return std::nullopt;
          if (line->empty()) return finish();
          const auto colon = line->find(':');
          if (colon == std::string::npos) throw std::invalid_argument("bad trailer");
          request_.trailers.emplace_back(
              line->substr(0, colon),
              std::string(trimmed(std::string_view(*line).substr(colon + 1))));
          break;
        }
      }
    }
  }

  // Whether the head just read asked for "100 Continue"; cleared by asking.
  bool take_expect_continue() { return std::exchange(expect_continue_, false); }

  [[nodiscard]] std::size_t id() const { return id_; }

 private:
  std::optional<std::string> take_line() {
    const auto end = input_.find("\r\n");
    if (end == std::string::npos) {
      if (input_.size() > kMaxHead) throw std::length_error("line too long");
      return std::nullopt;
    }
    std::string line = input_.substr(0, end);
    input_.erase(0, end + 2);
    return line;
  }

  bool read_head() {
    // Tolerate the empty lines RFC 9112 lets a client send before a request line.
    while (input_.rfind("\r\n", 0) == 0) input_.erase(0, 2);
    const auto end = input_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (input_.size() > kMaxHead) throw std::length_error("request head too large");
      return false;
    }
    if (end > kMaxHead) throw std::length_error("request head too large");
    const std::string head = input_.substr(0, end);
    input_.erase(0, end + 4);

    request_ = CapturedRequest{};
    request_.connection = id_;
    hasher_.reset();
    std::size_t line_end = head.find("\r\n");
    const std::string_view request_line = std::string_view(head).substr(0, line_end);
    const auto first_space = request_line.find(' ');
    const auto last_space = request_line.rfind(' ');
    if (first_space == std::string_view::npos || last_space == first_space) {
      throw std::invalid_argument("bad request line");
    }
    request_.method = request_line.substr(0, first_space);
    request_.target = request_line.substr(first_space + 1, last_space - first_space - 1);
    request_.version = request_line.substr(last_space + 1);
    if (request_.version.rfind("HTTP/1.", 0) != 0) throw std::invalid_argument("not HTTP/1.x");
    while (line_end != std::string::npos) {
      const auto start = line_end + 2;
      line_end = head.find("\r\n", start);
      const auto line = std::string_view(head).substr(
          start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) throw std::invalid_argument("bad header");
      request_.headers.emplace_back(std::string(line.substr(0, colon)),
                                    std::string(trimmed(line.substr(colon + 1))));
    }

    const auto transfer_encoding = request_.header("transfer-encoding");
    const auto content_length = request_.header("content-length");
    const auto expect = request_.header("expect");
    expect_continue_ = expect && same_name(*expect, "100-continue");
    if (transfer_encoding && contains_token(*transfer_encoding, "chunked")) {
      request_.chunked = true;
      state_ = State::chunk_size;
    } else if (content_length) {
      const auto text = trimmed(*content_length);
      if (text.empty() || text.size() > 18 ||
          text.find_first_not_of("0123456789") != std::string_view::npos) {
        throw std::invalid_argument("bad Content-Length");
      }
      remaining_ = std::stoull(std::string(text));
      state_ = State::body;
    } else {
      remaining_ = 0;
      state_ = State::body;
    }
    return true;
  }

  void consume_body(std::size_t size) {
    const std::string_view bytes(input_.data(), size);
    hasher_.update(bytes);
    request_.body_size += size;
    if (request_.body_size <= CapturedRequest::kKeptBody) {
      request_.body.append(bytes);
    } else {
      request_.body.clear();
      request_.body.shrink_to_fit();
    }
    input_.erase(0, size);
  }

  CapturedRequest finish() {
    request_.body_sha256 = hasher_.hex();
    state_ = State::head;
    return std::move(request_);
  }

  int fd_;
  std::size_t id_;
  std::string input_;
  State state_ = State::head;
  std::uint64_t remaining_ = 0;
  bool expect_continue_ = false;
  CapturedRequest request_;
  Sha256 hasher_;
};

std::string response_bytes(const CapturedRequest& request, const CannedResponse& response,
                           bool close) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + ' ' +
                    std::string(reason(response.status)) + "\r\n";
  bool has_length = false;
  for (const auto& [name, value] : response.headers) {
    has_length = has_length || same_name(name, "content-length");
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_length) out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  if (request.method != "HEAD") out += response.body;
  return out;
}

bool wants_close(const CapturedRequest& request) {
  const auto connection = request.header("connection");
  if (request.version == "HTTP/1.0")
    return !connection || !contains_token(*connection, "keep-alive");
  return connection && contains_token(*connection, "close");
}

}  // namespace

std::string CapturedRequest::path() const {
  return target.substr(0, target.find('?'));
}

std::string CapturedRequest::query() const {
  const auto mark = target.find('?');
  return mark == std::string::npos ? std::string() : target.substr(mark + 1);
}

std::optional<std::string> CapturedRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (same_name(key, name)) return value;
  }
  return std::nullopt;
}

SignedRequestParts CapturedRequest::signed_parts() const {
  return SignedRequestParts{method, path(), query(), headers};
}

CaptureServer::CaptureServer(Responder responder) : responder_(std::move(responder)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listener_ < 0) fail("socket");
  const int on = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  std::array<int, 2> wake{-1, -1};
  // sockaddr_in and sockaddr are layout-compatible by the sockets API's own contract.
  if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 64) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      ::pipe2(wake.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
    const int saved = errno;
    ::close(listener_);
    errno = saved;
    fail("capture server setup");
  }
  port_ = ntohs(address.sin_port);
  wake_read_ = wake[0];
  wake_write_ = wake[1];
  thread_ = std::thread([this] { serve(); });
}

CaptureServer::~CaptureServer() {
  const char stop = 's';
  while (::write(wake_write_, &stop, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
  ::close(wake_read_);
  ::close(wake_write_);
  ::close(listener_);
}

std::string CaptureServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<CapturedRequest> CaptureServer::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

void CaptureServer::set_responder(Responder responder) {
  const std::lock_guard lock(mutex_);
  responder_ = std::move(responder);
}

void CaptureServer::serve() {
  std::vector<std::unique_ptr<Connection>> connections;
  std::size_t accepted = 0;
  for (;;) {
    std::vector<pollfd> watched;
    watched.push_back({wake_read_, POLLIN, 0});
    watched.push_back({listener_, POLLIN, 0});
    for (const auto& connection : connections) watched.push_back({connection->fd(), POLLIN, 0});
    if (::poll(watched.data(), watched.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (watched[0].revents != 0) return;
    if ((watched[1].revents & POLLIN) != 0) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd >= 0) connections.push_back(std::make_unique<Connection>(fd, ++accepted));
    }
    std::vector<Connection*> finished;
    for (std::size_t i = 2; i < watched.size(); ++i) {
      if (watched[i].revents == 0) continue;
      Connection& connection = *connections[i - 2];
      bool keep = connection.receive();
      try {
        while (keep) {
          auto request = connection.next();
          if (connection.take_expect_continue() &&
              !send_all(connection.fd(), "HTTP/1.1 100 Continue\r\n\r\n")) {
            keep = false;
          }
          if (!request) break;
          Responder responder;
          std::size_t index = 0;
          {
            const std::lock_guard lock(mutex_);
            index = requests_.size();
            requests_.push_back(*request);
            responder = responder_;
          }
          CannedResponse response;
          if (responder) {
            try {
              response = responder(*request, index);
            } catch (const std::exception& error) {
              response = CannedResponse{500, {}, error.what()};
            }
          }
          if (response.delay.count() > 0) std::this_thread::sleep_for(response.delay);
          if (response.drop) {
            keep = false;
            break;
          }
          const bool close = response.close || wants_close(*request);
          keep = send_all(connection.fd(), response_bytes(*request, response, close)) && !close;
        }
      } catch (const std::length_error&) {
        send_all(connection.fd(),
                 "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
                 "Connection: close\r\n\r\n");
        keep = false;
      } catch (const std::invalid_argument&) {
        send_all(connection.fd(),
                 "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        keep = false;
      }
      if (!keep) finished.push_back(&connection);
    }
    if (!finished.empty()) {
      connections.erase(std::remove_if(connections.begin(), connections.end(),
                                       [&](const auto& connection) {
                                         return std::find(finished.begin(), finished.end(),
                                                          connection.get()) != finished.end();
                                       }),
                        connections.end());
    }
  }
}

}  // namespace dokkerr::objects::testing
