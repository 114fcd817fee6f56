#include "http/webhook_post.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "http/curl_easy.hpp"
#include "http/pinned_host.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

#include <array>
#include <curl/curl.h>
#include <memory>
#include <variant>

namespace dokkerr::http {
namespace {

namespace asio = boost::asio;

constexpr std::size_t kMaxUrl = 2048;
constexpr std::size_t kMaxAnswerBytes = 64 * 1024;  // read and dropped


std::size_t drop_answer(char*, std::size_t size, std::size_t count, void* user) {
  auto* total = static_cast<std::size_t*>(user);
  *total += size * count;
  return *total > kMaxAnswerBytes ? 0 : size * count;
}

struct HostPort {
  std::string host;  // without brackets
  std::string port;
};

HostPort host_port(std::string_view url) {
  check_webhook_url(url);
  const auto parsed = boost::urls::parse_absolute_uri(url);
  HostPort out;
  out.host = std::string(parsed->host_address());
  if (!out.host.empty() && out.host.front() == '[')
    out.host = out.host.substr(1, out.host.size() - 2);
  out.port = parsed->has_port()
                 ? std::string(parsed->port())
                 : (parsed->scheme_id() == boost::urls::scheme::https ? "443" : "80");
  return out;
}

}  // namespace

void check_webhook_url(std::string_view url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  const bool fine = url.size() <= kMaxUrl && parsed &&
                    (parsed->scheme_id() == boost::urls::scheme::http ||
                     parsed->scheme_id() == boost::urls::scheme::https) &&
                    parsed->has_authority() && !parsed->encoded_host().empty() &&
                    !parsed->has_userinfo() && !parsed->has_fragment();
  if (!fine) {
    throw Error::invalid("webhook_url_invalid",
                         "The webhook URL must be an http or https URL with a host, without user "
                         "information or fragment, of at most 2048 characters.");
  }
}

std::string pinned_address(std::string_view url, const AddressSet& allowed) {
  const auto [host, port] = host_port(url);
  const auto pinned = pin_host(host, port, [&allowed](const asio::ip::address& address) {
    return is_public_address(address) || allowed.contains(address);
  });
  if (const auto* entry = std::get_if<std::string>(&pinned)) return *entry;
  if (std::get<PinFailure>(pinned) == PinFailure::unresolvable) {
    throw Error(ErrorKind::bad_gateway, "webhook_unreachable",
                "The webhook's host name does not resolve.");
  }
  throw Error(ErrorKind::forbidden, "webhook_url_forbidden",
              "The webhook's host resolves to an address that is not public (loopback, "
              "link-local or private); a platform admin can allow it (--alert-webhook-allow).");
}

std::string webhook_signature(std::string_view secret, std::int64_t timestamp,
                              std::string_view body) {
  const auto signed_text = std::to_string(timestamp) + "." + std::string(body);
  return "sha256=" + crypto::hex_encode(crypto::hmac_sha256(secret, signed_text));
}

WebhookAttempt post_webhook(std::string_view url, std::string_view secret, std::string_view body,
                            std::int64_t timestamp, const AddressSet& allowed) {
  std::string resolve_entry;
  try {
    resolve_entry = pinned_address(url, allowed);
  } catch (const Error& error) {
    return WebhookAttempt{false, error.detail()};
  }
  CurlHandle handle;
  try {
    handle = make_curl_handle();
  } catch (const Error&) {
    return WebhookAttempt{false, "could not start a request"};
  }
  CURL* const curl = handle.get();
  CurlHeaders headers;
  const auto add_header = [&headers](const std::string& line) { headers.add(line); };
  CurlHeaders pinned;
  pinned.add(resolve_entry);
  std::size_t answered = 0;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  try {
    add_header("Content-Type: application/json");
    add_header("X-Dokkerr-Timestamp: " + std::to_string(timestamp));
    add_header("X-Dokkerr-Signature: " + webhook_signature(secret, timestamp, body));
    const std::string target(url);
    set_option(curl, CURLOPT_URL, target.c_str());
    set_option(curl, CURLOPT_RESOLVE, pinned.get());
    set_option(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    set_option(curl, CURLOPT_FOLLOWLOCATION, 0L);
    set_option(curl, CURLOPT_NOSIGNAL, 1L);
    set_option(curl, CURLOPT_CONNECTTIMEOUT_MS, kWebhookConnectTimeoutMs);
    set_option(curl, CURLOPT_TIMEOUT_MS, kWebhookTotalTimeoutMs);
    set_option(curl, CURLOPT_USERAGENT, "Dokkerr");
    set_option(curl, CURLOPT_HTTPHEADER, headers.get());
    set_option(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    set_option(curl, CURLOPT_POSTFIELDS, body.data());
    set_option(curl, CURLOPT_WRITEFUNCTION, &drop_answer);
    set_option(curl, CURLOPT_WRITEDATA, static_cast<void*>(&answered));
    set_option(curl, CURLOPT_ERRORBUFFER, error_buffer.data());
  } catch (const Error& error) {
    return WebhookAttempt{false, error.internal()};
  }
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && status > 0)) {
    const std::string why = error_buffer[0] != '\0' ? error_buffer.data() : curl_easy_strerror(rc);
    return WebhookAttempt{false, why};
  }
  if (status >= 200 && status < 300) return WebhookAttempt{true, ""};
  return WebhookAttempt{false, "HTTP " + std::to_string(status)};
}

}  // namespace dokkerr::http
