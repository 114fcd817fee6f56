#include "registries/registry_address.hpp"

#include "core/address_set.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace dokkerr::registries {
namespace {

Error invalid_address() {
  return Error::invalid("invalid_registry_address",
                        "A registry address is HOST[:PORT] as image references name it "
                        "(registry.example.com, 127.0.0.1:5000, [::1]:5000, docker.io), without "
                        "a scheme or path.");
}

bool is_dns_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t label = 0;
  char previous = '.';
  for (const char c : host) {
    if (c == '.') {
      if (label == 0 || previous == '-') return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-') {
      if (label == 0 && c == '-') return false;
      if (++label > 63) return false;
    } else {
      return false;
    }
    previous = c;
  }
  return label > 0 && previous != '-';
}

bool is_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value >= 1 && value <= 65535;
}

}  // namespace

std::string normalized_address(std::string_view address) {
  if (address.empty() || address.size() > 255) throw invalid_address();
  std::string lowered(address);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view host = lowered;
  std::string_view port;
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    if (close == std::string_view::npos) throw invalid_address();
    const auto inside = host.substr(1, close - 1);
    const auto parsed = parse_address(inside);
    if (!parsed || !parsed->is_v6()) throw invalid_address();
    const auto rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':') || !is_port(rest.substr(1))) throw invalid_address();
    }
    return lowered;
  }
  if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (!is_port(port)) throw invalid_address();
  }
  if (!is_dns_name(host)) throw invalid_address();
  if (port.empty() &&
      (host == "index.docker.io" || host == "registry-1.docker.io" || host == "docker.io")) {
    return "docker.io";
  }
  return lowered;
}

std::string api_host(std::string_view address) {
  return address == "docker.io" ? std::string("registry-1.docker.io") : std::string(address);
}

}  // namespace dokkerr::registries
