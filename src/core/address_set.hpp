#pragma once
// A set of IP addresses and networks given in a setting ("127.0.0.1", "198.18.0.0/15", "::1",
// "fd00::/8"): the gateway's trusted proxies, the addresses allowed to scrape /metrics.
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {

// An address as text; an IPv4 client reaching an IPv6 socket (::ffff:a.b.c.d) is the IPv4
// client. nullopt when the text is not an address.
[[nodiscard]] std::optional<boost::asio::ip::address> parse_address(std::string_view text);

// Reachable on the public internet: not loopback, link-local (the cloud metadata address),
// private (RFC 1918, ULA), shared (100.64/10), benchmark-test (198.18/15), documentation,
// multicast, reserved or unspecified. What the server may dial on a tenant's behalf.
[[nodiscard]] bool is_public_address(const boost::asio::ip::address& address);

class AddressSet {
 public:
  AddressSet() = default;
  // Throws std::invalid_argument naming the entry that is neither an address nor a network.
  static AddressSet parse(const std::vector<std::string>& entries);

  [[nodiscard]] bool empty() const { return v4_.empty() && v6_.empty(); }
  [[nodiscard]] bool contains(const boost::asio::ip::address& address) const;
  // False for text that is not an address.
  [[nodiscard]] bool contains(std::string_view address) const;

 private:
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

}  // namespace dokkerr
