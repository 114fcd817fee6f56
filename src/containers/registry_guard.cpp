#include "containers/registry_guard.hpp"

#include "core/error.hpp"
#include "core/principal.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace dokkerr::containers {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto as_tuple = asio::as_tuple(asio::use_awaitable);

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Error not_allowed(std::string_view registry, std::string_view why) {
  return Error(ErrorKind::forbidden, "registry_not_allowed",
               "Pulling from '" + std::string(registry.substr(0, 253)) + "' is not allowed: " +
                   std::string(why) + ". A platform admin can allow it (--allowed-registry).");
}

}  // namespace

std::string registry_of(std::string_view image) {
  const auto slash = image.find('/');
  if (slash == std::string_view::npos) return "docker.io";
  const auto first = image.substr(0, slash);
  // The engine's rule: the first component names a registry when it has a '.' or a ':' or is
  // "localhost"; otherwise it is a Docker Hub namespace.
  if (first.find_first_of(".:") == std::string_view::npos && first != "localhost")
    return "docker.io";
  return lower(first);
}

std::string host_of(std::string_view registry) {
  if (registry.starts_with('[')) {
    const auto close = registry.find(']');
    return std::string(
        registry.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  return std::string(registry.substr(0, registry.find(':')));
}

RegistryGuard::RegistryGuard(std::vector<std::string> allowed,
                             std::chrono::milliseconds resolve_bound)
    : resolve_bound_(resolve_bound) {
  for (auto& entry : allowed) allowed_.push_back(lower(entry));
}

asio::awaitable<void> RegistryGuard::check(const Principal& caller, std::string_view image) const {
  if (caller.is_admin) co_return;
  const auto registry = registry_of(image);
  if (registry == "docker.io" || registry == "index.docker.io" ||
      registry == "registry-1.docker.io") {
    co_return;
  }
  if (std::find(allowed_.begin(), allowed_.end(), registry) != allowed_.end()) co_return;
  const auto host = host_of(registry);
  if (host.empty() || host == "localhost" || host.ends_with(".localhost")) {
    throw not_allowed(registry, "it is this machine");
  }
  boost::system::error_code parse_error;
  const auto literal = asio::ip::make_address(host, parse_error);
  if (!parse_error) {
    if (!is_public_address(literal)) throw not_allowed(registry, "its address is not public");
    co_return;
  }
  // A name: every address it resolves to must be public.
  asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
  asio::steady_timer deadline(co_await asio::this_coro::executor, resolve_bound_);
  auto lookup = resolver.async_resolve(host, "443", as_tuple);
  auto timeout = deadline.async_wait(as_tuple);
  auto outcome = co_await (std::move(lookup) || std::move(timeout));
  if (outcome.index() == 1) throw not_allowed(registry, "its name did not resolve in time");
  auto [ec, results] = std::get<0>(std::move(outcome));
  if (ec || results.empty()) throw not_allowed(registry, "its name does not resolve");
  for (const auto& entry : results) {
    if (!is_public_address(entry.endpoint().address())) {
      throw not_allowed(registry, "it resolves to an address that is not public");
    }
  }
}

}  // namespace dokkerr::containers
