#pragma once
// Where a Redis server is, from a URL: redis://[[user]:password@]host[:port][/db]
// (rediss:// is refused: this client speaks plain TCP, for Redis on loopback or a private network).
#include <string>
#include <string_view>

namespace dokkerr::cache {

struct RedisEndpoint {
  std::string host;
  unsigned short port = 6379;
  std::string username;  // empty: AUTH with the password alone (or no AUTH without one)
  std::string password;
  unsigned database = 0;

  // host:port, for logs (never the password).
  [[nodiscard]] std::string display() const;
};

// Throws std::invalid_argument saying what is wrong with `url`.
RedisEndpoint parse_redis_url(std::string_view url);

}  // namespace dokkerr::cache
