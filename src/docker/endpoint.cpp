#include "docker/endpoint.hpp"

#include "core/error.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <string>

namespace dokkerr::docker {

namespace {

// sockaddr_un::sun_path is 108 bytes on Linux, one of which is the terminating NUL.
constexpr std::size_t kMaxUnixPath = 107;
constexpr std::size_t kMaxHostName = 253;
// The Docker CLI's defaults when a tcp URL names no port.
constexpr const char* kDefaultPlainPort = "2375";
constexpr const char* kDefaultTlsPort = "2376";

[[noreturn]] void reject(const std::string& why) {
  throw Error::invalid("invalid_docker_host", "Invalid Docker host URL: " + why);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_host_name_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '.' || c == '-' || c == '_';
}

// Percent-decoding in a URL could smuggle '/', spaces or NULs into a host name that the resolver
// or the Host header would then see; a DNS name needs none of them.
std::string checked_host_name(const boost::urls::url_view& u) {
  std::string name = u.host_name();
  if (name.empty()) reject("the host is missing");
  if (name.size() > kMaxHostName) reject("the host name is too long");
  if (!std::all_of(name.begin(), name.end(), is_host_name_char)) {
    reject("the host name contains characters a DNS name cannot have");
  }
  return name;
}

std::string checked_port(const boost::urls::url_view& u, bool tls) {
  if (!u.has_port()) return tls ? kDefaultTlsPort : kDefaultPlainPort;
  const std::string_view port = u.port();
  if (port.empty()) reject("the port is empty");
  if (port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    reject("the port must be a number from 1 to 65535");
  }
  const unsigned long value = std::stoul(std::string(port));
  if (value == 0 || value > 65535) reject("the port must be a number from 1 to 65535");
  return std::to_string(value);
}

Endpoint parse_unix(const boost::urls::url_view& u) {
  if (!u.has_authority()) reject("a unix URL is written unix:///absolute/path");
  if (u.has_userinfo() || u.has_port() || !u.encoded_host().empty()) {
    reject("a unix URL names no host; write unix:///absolute/path");
  }
  std::string path = u.path();
  if (path.empty() || path.front() != '/') reject("the unix socket path must be absolute");
  if (path.find('\0') != std::string::npos) reject("the unix socket path contains a NUL byte");
  if (path.size() > kMaxUnixPath) reject("the unix socket path is longer than 107 bytes");
  if (path.back() == '/') reject("the unix socket path names a directory");
  Endpoint ep;
  ep.kind = Endpoint::Kind::unix_socket;
  ep.path = std::move(path);
  return ep;
}

Endpoint parse_tcp(const boost::urls::url_view& u, bool tls) {
  if (!u.has_authority()) reject("a tcp URL is written tcp://host:port");
  if (u.has_userinfo()) reject("credentials in the URL are not supported");
  Endpoint ep;
  ep.kind = Endpoint::Kind::tcp;
  ep.tls = tls;
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
      ep.host = u.host_ipv4_address().to_string();
      break;
    case boost::urls::host_type::ipv6:
      ep.host = u.host_ipv6_address().to_string();
      break;
    case boost::urls::host_type::name:
      ep.host = checked_host_name(u);
      break;
    case boost::urls::host_type::ipvfuture:
      reject("IPvFuture host addresses are not supported");
    case boost::urls::host_type::none:
      reject("the host is missing");
  }
  if (ep.host.empty()) reject("the host is missing");
  ep.port = checked_port(u, tls);
  // After the port: Boost.URL 1.81 reads "host:+1" as an empty port followed by a path.
  const std::string_view path = u.encoded_path();
  if (!path.empty() && path != "/") reject("a tcp URL has no path");
  return ep;
}

}  // namespace

Endpoint parse_endpoint(std::string_view url) {
  if (url.empty()) reject("the URL is empty");
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) reject("it is not a URL (" + parsed.error().message() + ")");
  const boost::urls::url_view& u = *parsed;
  if (u.has_query()) reject("a query string is not allowed");
  if (u.has_fragment()) reject("a fragment is not allowed");
  const std::string scheme = lower(u.scheme());
  if (scheme == "unix") return parse_unix(u);
  if (scheme == "tcp") return parse_tcp(u, false);
  if (scheme == "https") return parse_tcp(u, true);
  reject("the scheme '" + scheme + "' is not one of unix, tcp, https");
}

std::string Endpoint::to_string() const {
  if (kind == Kind::unix_socket) return "unix://" + path;
  // IPv6 literals need their brackets back, or the port would read as part of the address.
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? "https://" : "tcp://") + (v6 ? "[" + host + "]" : host) + ":" + port;
}

}  // namespace dokkerr::docker
