#include "http/pinned_host.hpp"

#include "core/address_set.hpp"

#include <array>
#include <memory>
#include <netdb.h>
#include <sys/socket.h>
#include <vector>

namespace dokkerr::http {
namespace {

struct AddrinfoDeleter {
  void operator()(addrinfo* info) const noexcept { freeaddrinfo(info); }
};

}  // namespace

std::variant<std::string, PinFailure> pin_host(std::string_view host, std::string_view port,
                                               const AddressRule& permitted) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string host_text(host);
  const std::string port_text(port);
  if (getaddrinfo(host_text.c_str(), port_text.c_str(), &hints, &found) != 0 || found == nullptr) {
    return PinFailure::unresolvable;
  }
  const std::unique_ptr<addrinfo, AddrinfoDeleter> owned(found);
  std::vector<boost::asio::ip::address> addresses;
  for (auto* entry = found; entry != nullptr; entry = entry->ai_next) {
    std::array<char, NI_MAXHOST> text{};
    if (getnameinfo(entry->ai_addr, entry->ai_addrlen, text.data(), text.size(), nullptr, 0,
                    NI_NUMERICHOST) != 0) {
      continue;
    }
    if (auto address = parse_address(text.data())) addresses.push_back(*address);
  }
  if (addresses.empty()) return PinFailure::unresolvable;
  // Every answer must pass, not only the first: the resolver may hand another one to the next
  // lookup.
  for (const auto& address : addresses) {
    if (!permitted(address)) return PinFailure::forbidden;
  }
  const auto& chosen = addresses.front();
  const auto shown = chosen.is_v6() ? "[" + chosen.to_string() + "]" : chosen.to_string();
  return host_text + ":" + port_text + ":" + shown;
}

}  // namespace dokkerr::http
