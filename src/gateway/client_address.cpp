#include "gateway/client_address.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

namespace dokkerr::gateway {
namespace {

namespace ip = boost::asio::ip;

// Hops beyond this many from the server are not read: no real chain of proxies is that long.
constexpr std::size_t kMaxHops = 32;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(separator);
    parts.push_back(trim(text.substr(0, at)));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return parts;
}

// One node of a forwarding header: "192.0.2.1", "192.0.2.1:443", "[2001:db8::1]:80",
// "2001:db8::1" (X-Forwarded-For), optionally in quotes (Forwarded). Obfuscated or "unknown"
// nodes are not addresses.
std::optional<ip::address> parse_node(std::string_view node) {
  if (node.size() >= 2 && node.front() == '"' && node.back() == '"') {
    node = node.substr(1, node.size() - 2);
  }
  if (!node.empty() && node.front() == '[') {
    const auto close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return parse_address(node.substr(1, close - 1));
  }
  if (std::count(node.begin(), node.end(), ':') == 1) node = node.substr(0, node.find(':'));
  return parse_address(node);
}

// The for= node of each element of a Forwarded header, nearest hop last ("" when an element
// has none).
std::vector<std::string_view> forwarded_for(std::string_view header) {
  std::vector<std::string_view> nodes;
  for (const auto element : split(header, ',')) {
    std::string_view node;
    for (const auto pair : split(element, ';')) {
      const auto equals = pair.find('=');
      if (equals != std::string_view::npos &&
          boost::beast::iequals(trim(pair.substr(0, equals)), "for")) {
        node = trim(pair.substr(equals + 1));
      }
    }
    nodes.push_back(node);
  }
  return nodes;
}

}  // namespace

std::string client_address(std::string_view peer, std::string_view forwarded,
                           std::string_view x_forwarded_for, const TrustedProxies& proxies) {
  const auto peer_address = parse_address(peer);
  if (proxies.empty() || !peer_address || !proxies.contains(*peer_address))
    return std::string(peer);
  const auto nodes = !forwarded.empty()         ? forwarded_for(forwarded)
                     : !x_forwarded_for.empty() ? split(x_forwarded_for, ',')
                                                : std::vector<std::string_view>{};
  // Walking outwards: each node was written by the trusted hop just inside it.
  auto client = *peer_address;
  std::size_t hops = 0;
  for (auto node = nodes.rbegin(); node != nodes.rend() && hops < kMaxHops; ++node, ++hops) {
    const auto address = parse_node(*node);
    if (!address) break;  // a trusted hop wrote something unreadable: it is the client we know
    client = *address;
    if (!proxies.contains(client)) break;
  }
  return client.to_string();
}

}  // namespace dokkerr::gateway
