#include "core/address_set.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

namespace dokkerr {
namespace {

namespace asio = boost::asio;

struct V4Range {
  std::uint32_t base;
  int bits;
};

bool in(std::uint32_t address, V4Range range) {
  const std::uint32_t mask = range.bits == 0 ? 0U : ~std::uint32_t{0} << (32 - range.bits);
  return (address & mask) == (range.base & mask);
}

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24U) | (b << 16U) | (c << 8U) | d;
}

bool is_public_v4(const asio::ip::address_v4& address) {
  constexpr std::array<V4Range, 12> kNotPublic{{
      {v4(0, 0, 0, 0), 8},       // "this network"
      {v4(10, 0, 0, 0), 8},      // private
      {v4(100, 64, 0, 0), 10},   // shared address space (carrier NAT)
      {v4(127, 0, 0, 0), 8},     // loopback
      {v4(169, 254, 0, 0), 16},  // link-local, the cloud metadata address
      {v4(172, 16, 0, 0), 12},   // private
      {v4(192, 0, 0, 0), 24},    // IETF protocol assignments
      {v4(192, 168, 0, 0), 16},  // private
      {v4(198, 18, 0, 0), 15},   // benchmark testing
      {v4(224, 0, 0, 0), 4},     // multicast
      {v4(240, 0, 0, 0), 4},     // reserved, broadcast
      {v4(192, 0, 2, 0), 24},    // documentation
  }};
  const auto value = address.to_uint();
  return std::none_of(kNotPublic.begin(), kNotPublic.end(),
                      [value](V4Range range) { return in(value, range); });
}

}  // namespace

bool is_public_address(const asio::ip::address& address) {
  if (address.is_v4()) return is_public_v4(address.to_v4());
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return is_public_v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6));
  if (v6.is_loopback() || v6.is_unspecified() || v6.is_link_local() || v6.is_multicast() ||
      v6.is_site_local()) {
    return false;
  }
  const auto bytes = v6.to_bytes();
  if ((bytes[0] & 0xfeU) == 0xfcU) return false;  // unique local fc00::/7
  return true;
}


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
