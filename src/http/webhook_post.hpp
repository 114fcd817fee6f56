#pragma once
// Outgoing webhooks (alert notifications, event subscriptions): one bounded libcurl POST per
// attempt, to an address checked first. A tenant names the URL, so the server must not become their probe into its own
// network: every address the host resolves to must be public (core/address_set.hpp) unless an
// admin allowed it (--alert-webhook-allow), the checked address is the one dialled (no second
// lookup), and redirects are never followed.
//
// Each POST carries X-Dokkerr-Timestamp (unix seconds) and X-Dokkerr-Signature:
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)); receivers should refuse old
// timestamps.
#include "core/address_set.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace dokkerr::http {

inline constexpr long kWebhookConnectTimeoutMs = 5'000;
inline constexpr long kWebhookTotalTimeoutMs = 10'000;

// An http(s) URL with a host, no user info, no fragment, at most 2048 characters. Throws Error
// invalid "webhook_url_invalid".
void check_webhook_url(std::string_view url);

// Resolves the URL's host and returns the address to dial as libcurl's CURLOPT_RESOLVE entry
// ("host:port:address"). Throws Error forbidden "webhook_url_forbidden" when an address is not
// public and not allowed, or Error bad_gateway "webhook_unreachable" when the name does not
// resolve. Blocking.
[[nodiscard]] std::string pinned_address(std::string_view url, const AddressSet& allowed);

[[nodiscard]] std::string webhook_signature(std::string_view secret, std::int64_t timestamp,
                                            std::string_view body);

struct WebhookAttempt {
  bool delivered = false;  // a 2xx answer
  std::string error;       // why not ("HTTP 500", "timed out", "address not allowed", …)
};

// One attempt; never throws for what the receiver or the network does. Blocking.
[[nodiscard]] WebhookAttempt post_webhook(std::string_view url, std::string_view secret,
                                          std::string_view body, std::int64_t timestamp,
                                          const AddressSet& allowed);

}  // namespace dokkerr::http
