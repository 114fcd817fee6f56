#pragma once
// Who the client is when the server sits behind proxies. The address a proxy reports
// (Forwarded: for=…, RFC 7239, or else X-Forwarded-For) is believed only when the peer that
// sent the request is one of the trusted proxies, and only as far back as the chain of trusted
// proxies goes: the first address, walking from the nearest hop outwards, that is not a trusted
// proxy is the client. Anything a client writes into these headers itself lies beyond that
// point and is never read.
#include "core/address_set.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::gateway {

// The proxies whose forwarding headers are believed.
using TrustedProxies = AddressSet;

// The client's address for a request from `peer` carrying these headers (either may be empty).
[[nodiscard]] std::string client_address(std::string_view peer, std::string_view forwarded,
                                         std::string_view x_forwarded_for,
                                         const TrustedProxies& proxies);

}  // namespace dokkerr::gateway
