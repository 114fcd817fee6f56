#include "oidc/http_client.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "http/curl_easy.hpp"
#include "http/percent_encoding.hpp"

#include <boost/url/parse.hpp>

#include <array>
#include <curl/curl.h>
#include <memory>

namespace dokkerr::oidc {
namespace {

using http::set_option;

struct Sink {
  std::string body;
  bool too_large = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t bytes = size * count;
  if (sink->body.size() + bytes > kMaxResponseBytes) {
    sink->too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  sink->body.append(data, bytes);
  return bytes;
}

Error unavailable(std::string internal) {
  return {ErrorKind::bad_gateway, "oidc_provider_unavailable",
          "The identity provider cannot be reached.", std::move(internal)};
}

Error too_large(const std::string& url) {
  return {ErrorKind::bad_gateway, "oidc_invalid_provider_response",
          "The identity provider sent an answer Dokkerr cannot use.",
          "answer from " + url + " is larger than 1 MiB"};
}

}  // namespace

bool is_http_url(std::string_view url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return false;
  const auto scheme = parsed->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) return false;
  return parsed->has_authority() && !parsed->encoded_host().empty() && !parsed->has_userinfo() &&
         !parsed->has_fragment();
}

std::string form_encode(std::string_view value) {
  return http::percent_encode(value);
}

std::string basic_authorization(std::string_view user, std::string_view password) {
  return "Basic " + crypto::base64_encode(form_encode(user) + ":" + form_encode(password));
}

HttpResponse http_request(const HttpRequest& request) {
  // Checked here as well as by CURLOPT_PROTOCOLS_STR: the error then names the real cause.
  if (!is_http_url(request.url)) {
    throw unavailable("not an http(s) URL: " + request.url);
  }
  const auto handle = http::make_curl_handle();
  CURL* const curl = handle.get();

  http::CurlHeaders headers;
  const auto add_header = [&headers](const std::string& line) { headers.add(line); };
  add_header("Accept: application/json");
  if (!request.authorization.empty()) add_header("Authorization: " + request.authorization);

  Sink sink;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  set_option(curl, CURLOPT_URL, request.url.c_str());
  set_option(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  set_option(curl, CURLOPT_FOLLOWLOCATION, 0L);
  set_option(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: we run on pool threads
  set_option(curl, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  set_option(curl, CURLOPT_TIMEOUT_MS, kTotalTimeoutMs);
  set_option(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(kMaxResponseBytes));
  set_option(curl, CURLOPT_USERAGENT, "Dokkerr");
  set_option(curl, CURLOPT_HTTPHEADER, headers.get());
  set_option(curl, CURLOPT_WRITEFUNCTION, &write_body);
  set_option(curl, CURLOPT_WRITEDATA, static_cast<void*>(&sink));
  set_option(curl, CURLOPT_ERRORBUFFER, error_buffer.data());
  if (!request.form_body.empty()) {
    set_option(curl, CURLOPT_POSTFIELDSIZE_LARGE,
               static_cast<curl_off_t>(request.form_body.size()));
    set_option(curl, CURLOPT_POSTFIELDS, request.form_body.c_str());
  }

  const CURLcode result = curl_easy_perform(curl);
  if (sink.too_large || result == CURLE_FILESIZE_EXCEEDED) throw too_large(request.url);
  if (result != CURLE_OK) {
    std::string reason =
        error_buffer.front() != '\0' ? error_buffer.data() : curl_easy_strerror(result);
    throw unavailable(request.url + ": " + reason);
  }

  HttpResponse response;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  char* content_type = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK &&
      content_type != nullptr) {
    response.content_type = content_type;
  }
  response.body = std::move(sink.body);
  return response;
}

}  // namespace dokkerr::oidc
