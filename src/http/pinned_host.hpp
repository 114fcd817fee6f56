#pragma once
// Outbound calls to a host a tenant named (a webhook URL, a registry) must not turn the server
// into a probe of its own network: every address the name resolves to is checked, and the call
// dials the checked address (libcurl's CURLOPT_RESOLVE entry), never a second lookup's answer.
#include <boost/asio/ip/address.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <variant>

namespace dokkerr::http {

enum class PinFailure {
  unresolvable,  // the name has no address
  forbidden,     // an address is one `permitted` refuses
};

using AddressRule = std::function<bool(const boost::asio::ip::address&)>;

// Resolves `host` (no brackets around IPv6) and returns "host:port:address" for CURLOPT_RESOLVE
// when every answer is permitted. Blocking (getaddrinfo).
[[nodiscard]] std::variant<std::string, PinFailure> pin_host(std::string_view host,
                                                             std::string_view port,
                                                             const AddressRule& permitted);

}  // namespace dokkerr::http
