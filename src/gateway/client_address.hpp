#pragma once
// Who the client is when the server sits behind proxies. The address a proxy reports
// (Forwarded: for=…, RFC 7239, or else X-Forwarded-For) is believed only when the peer that
// sent the request is one of the trusted proxies, and only as far back as the chain of trusted
// proxies goes: the first address, walking from the nearest hop outwards, that is not a trusted
// proxy is the client. Anything a client writes into these headers itself lies beyond that
// point and is never read.
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::gateway {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Addresses or networks ("127.0.0.1", "198.18.0.0/15", "::1", "fd00::/8"). Throws
  // std::invalid_argument naming the entry that is not one.
  static TrustedProxies parse(const std::vector<std::string>& entries);

  [[nodiscard]] bool empty() const { return v4_.empty() && v6_.empty(); }
  [[nodiscard]] bool contains(const boost::asio::ip::address& address) const;

 private:
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

// The client's address for a request from `peer` carrying these headers (either may be empty).
[[nodiscard]] std::string client_address(std::string_view peer, std::string_view forwarded,
                                         std::string_view x_forwarded_for,
                                         const TrustedProxies& proxies);

}  // namespace dokkerr::gateway
