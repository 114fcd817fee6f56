#include "cache/redis_endpoint.hpp"

#include <boost/url/parse.hpp>

#include <charconv>
#include <stdexcept>

namespace dokkerr::cache {

std::string RedisEndpoint::display() const {
  return host + ":" + std::to_string(port);
}

RedisEndpoint parse_redis_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw std::invalid_argument("not a URL (expected redis://host[:port][/db])");
  const auto& uri = *parsed;
  if (uri.scheme() == "rediss") {
    throw std::invalid_argument(
        "rediss:// (TLS) is not supported; reach Redis over a private network");
  }
  if (uri.scheme() != "redis") throw std::invalid_argument("the scheme must be redis://");
  RedisEndpoint endpoint;
  endpoint.host = uri.encoded_host().decode();
  if (endpoint.host.empty()) throw std::invalid_argument("the URL names no host");
  if (endpoint.host.front() == '[')
    endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
  if (uri.has_port()) {
    // port_number() is 0 both for ":0" and for a port past 65535: read the digits ourselves.
    const auto text = std::string_view(uri.port());
    unsigned long port = 0;
    const auto* end = text.data() + text.size();
    const auto [last, ec] = std::from_chars(text.data(), end, port);
    if (ec != std::errc{} || last != end || port == 0 || port > 65535) {
      throw std::invalid_argument("the port must be 1-65535");
    }
    endpoint.port = static_cast<unsigned short>(port);
  }
  if (uri.has_userinfo()) {
    endpoint.username = uri.user();
    endpoint.password = uri.password();
  }
  const auto path = std::string_view(uri.encoded_path());
  if (!path.empty() && path != "/") {
    const auto digits = path.substr(1);
    const auto* end = digits.data() + digits.size();
    const auto [last, ec] = std::from_chars(digits.data(), end, endpoint.database);
    if (ec != std::errc{} || last != end || endpoint.database > 15) {
      throw std::invalid_argument("the path must be a database number 0-15 (redis://host/2)");
    }
  }
  if (uri.has_query() || uri.has_fragment()) {
    throw std::invalid_argument("the URL takes no query or fragment");
  }
  return endpoint;
}

}  // namespace dokkerr::cache
