#include "core/address_set.hpp"

#include <algorithm>
#include <stdexcept>

namespace dokkerr {

namespace ip = boost::asio::ip;

std::optional<ip::address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  auto address = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

AddressSet AddressSet::parse(const std::vector<std::string>& entries) {
  AddressSet set;
  for (const auto& entry : entries) {
    boost::system::error_code ec;
    if (entry.find('/') == std::string::npos) {
      const auto address = parse_address(entry);
      if (!address) throw std::invalid_argument("'" + entry + "' is not an address");
      if (address->is_v4()) {
        set.v4_.emplace_back(address->to_v4(), 32);
      } else {
        set.v6_.emplace_back(address->to_v6(), 128);
      }
      continue;
    }
    const auto v4 = ip::make_network_v4(entry, ec);
    if (!ec) {
      set.v4_.push_back(v4.canonical());
      continue;
    }
    const auto v6 = ip::make_network_v6(entry, ec);
    if (ec) throw std::invalid_argument("'" + entry + "' is not a network");
    set.v6_.push_back(v6.canonical());
  }
  return set;
}

bool AddressSet::contains(const ip::address& address) const {
  if (address.is_v4()) {
    const ip::network_v4 host(address.to_v4(), 32);
    return std::any_of(v4_.begin(), v4_.end(),
                       [&](const auto& net) { return host == net || host.is_subnet_of(net); });
  }
  const ip::network_v6 host(address.to_v6(), 128);
  return std::any_of(v6_.begin(), v6_.end(),
                     [&](const auto& net) { return host == net || host.is_subnet_of(net); });
}

bool AddressSet::contains(std::string_view address) const {
  const auto parsed = parse_address(address);
  return parsed && contains(*parsed);
}

}  // namespace dokkerr
