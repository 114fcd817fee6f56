#include "core/address_set.hpp"
#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "http/curl_easy.hpp"
#include "http/percent_encoding.hpp"
#include "http/pinned_host.hpp"
#include "registries/registry_address.hpp"
#include "registries/registry_api.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <curl/curl.h>
#include <map>
#include <variant>

namespace dokkerr::registries {
namespace {

namespace bj = boost::json;
using http::set_option;

constexpr long kConnectTimeoutMs = 5'000;
constexpr long kTotalTimeoutMs = 15'000;
constexpr std::size_t kMaxAnswerBytes = 1024 * 1024;
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
// What the manifest HEAD accepts: an index or a manifest, Docker's or OCI's; the digest is of
// whichever the registry keeps for the tag, as the engine's pull records it.
constexpr std::string_view kManifestTypes =
    "Accept: application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.oci.image.manifest.v1+json";

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0)
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0)
    text.remove_suffix(1);
  return std::string(text);
}

Error unreachable(const std::string& address, std::string why) {
  return {ErrorKind::bad_gateway, "registry_unreachable",
          "The registry " + address + " cannot be reached.", std::move(why)};
}

Error bad_response(const std::string& address, std::string why) {
  return {ErrorKind::bad_gateway, "registry_bad_response",
          "The registry " + address + " sent an answer Dokkerr cannot use: " + why + "."};
}

Error auth_failed(const std::string& address, std::string why) {
  return {ErrorKind::unprocessable, "registry_auth_failed",
          "The registry " + address + " refused the login: " + why + "."};
}

struct Answer {
  long status = 0;
  std::string body;
  std::map<std::string, std::string, std::less<>> headers;  // lowercased names, first kept
  bool too_large = false;
  std::size_t header_bytes = 0;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* answer = static_cast<Answer*>(user);
  const auto bytes = size * count;
  if (answer->body.size() + bytes > kMaxAnswerBytes) {
    answer->too_large = true;
    return 0;
  }
  answer->body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* answer = static_cast<Answer*>(user);
  const auto bytes = size * count;
  answer->header_bytes += bytes;
  if (answer->header_bytes > kMaxHeaderBytes) return 0;
  const std::string_view line(data, bytes);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    answer->headers.emplace(lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
  }
  return bytes;
}

struct UrlParts {
  std::string host;  // without brackets
  std::string port;
  bool https = false;
};

std::optional<UrlParts> parts_of(std::string_view url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty() ||
      parsed->has_userinfo()) {
    return std::nullopt;
  }
  const auto scheme = parsed->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https)
    return std::nullopt;
  UrlParts out;
  out.https = scheme == boost::urls::scheme::https;
  out.host = std::string(parsed->encoded_host_address());
  if (out.host.starts_with('[')) out.host = out.host.substr(1, out.host.size() - 2);
  out.port = parsed->has_port() ? std::string(parsed->port()) : (out.https ? "443" : "80");
  return out;
}

class HttpRegistryApi final : public RegistryApi {
 public:
  void check_login(const RegistryEndpoint& endpoint) override {
    const auto answer = call(endpoint, "/v2/", "", false, {});
    if (answer.status != 200) throw unexpected(endpoint, answer);
  }

  NamePage repositories(const RegistryEndpoint& endpoint, std::size_t limit,
                        std::string_view after) override {
    const auto answer = call(endpoint, "/v2/_catalog" + page_query(limit, after),
                             "registry:catalog:*", false, {});
    if (answer.status == 404) {
      throw Error::not_found("registry_catalog_unavailable",
                             "The registry " + endpoint.address + " does not list repositories.");
    }
    if (answer.status != 200) throw unexpected(endpoint, answer);
    return page_of(endpoint, answer, "repositories", limit);
  }

  NamePage tags(const RegistryEndpoint& endpoint, std::string_view repository, std::size_t limit,
                std::string_view after) override {
    check_repository(repository);
    const auto answer =
        call(endpoint, "/v2/" + std::string(repository) + "/tags/list" + page_query(limit, after),
             "repository:" + std::string(repository) + ":pull", false, {});
    if (answer.status == 404) throw repository_not_found(repository);
    if (answer.status != 200) throw unexpected(endpoint, answer);
    return page_of(endpoint, answer, "tags", limit);
  }

  std::string manifest_digest(const RegistryEndpoint& endpoint, std::string_view repository,
                              std::string_view reference) override {
    check_repository(repository);
    const auto answer =
        call(endpoint,
             "/v2/" + std::string(repository) + "/manifests/" + http::percent_encode(reference),
             "repository:" + std::string(repository) + ":pull", true, std::string(kManifestTypes));
    if (answer.status == 404) {
      throw Error::not_found("manifest_not_found", "The registry has no " +
                                                       std::string(repository) + ":" +
                                                       std::string(reference) + ".");
    }
    if (answer.status != 200) throw unexpected(endpoint, answer);
    const auto found = answer.headers.find("docker-content-digest");
    if (found == answer.headers.end() || !found->second.starts_with("sha256:") ||
        found->second.size() != 71) {
      throw bad_response(endpoint.address, "no Docker-Content-Digest");
    }
    return found->second;
  }

 private:
  static void check_repository(std::string_view repository) {
    if (!is_repository_name(repository)) {
      throw Error::invalid("invalid_repository",
                           "A repository name is lowercase path components of letters and "
                           "digits joined by '.', '_' or '-', separated by '/'.");
    }
  }

  static Error repository_not_found(std::string_view repository) {
    return Error::not_found("repository_not_found",
                            "The registry has no repository " + std::string(repository) + ".");
  }

  static std::string page_query(std::size_t limit, std::string_view after) {
    std::string query = "?n=" + std::to_string(limit);
    if (!after.empty()) query += "&last=" + http::percent_encode(after);
    return query;
  }

  static NamePage page_of(const RegistryEndpoint& endpoint, const Answer& answer,
                          std::string_view key, std::size_t limit) {
    boost::system::error_code ec;
    const auto value = bj::parse(answer.body, ec);
    const auto* object = ec ? nullptr : value.if_object();
    if (object == nullptr) throw bad_response(endpoint.address, "not a JSON object");
    NamePage page;
    if (const auto* list = object->if_contains(key); list != nullptr && !list->is_null()) {
      if (!list->is_array()) throw bad_response(endpoint.address, std::string(key) + " not a list");
      for (const auto& item : list->as_array()) {
        if (item.is_string() && page.names.size() < limit)
          page.names.emplace_back(item.as_string());
      }
    }
    // The registry's Link header says there is more; a full page without one may have more.
    const bool more = answer.headers.contains("link") || page.names.size() == limit;
    if (more && !page.names.empty()) page.next = page.names.back();
    return page;
  }

  static Error unexpected(const RegistryEndpoint& endpoint, const Answer& answer) {
    if (answer.status == 401 || answer.status == 403) {
      return auth_failed(endpoint.address, "HTTP " + std::to_string(answer.status));
    }
    return bad_response(endpoint.address, "HTTP " + std::to_string(answer.status));
  }

  // A call to the registry: first without credentials, then once more with what its challenge
  // asks for (Basic, or a bearer token from its realm).
  Answer call(const RegistryEndpoint& endpoint, const std::string& path, const std::string& scope,
              bool head, const std::string& accept) {
    const std::string url =
        std::string(endpoint.insecure ? "http://" : "https://") + api_host(endpoint.address) + path;
    auto answer = perform(endpoint, url, "", head, accept);
    if (answer.status != 401) return answer;
    const auto found = answer.headers.find("www-authenticate");
    const auto challenge =
        parse_challenge(found == answer.headers.end() ? std::string_view() : found->second);
    std::string authorization;
    if (challenge.scheme == "basic") {
      if (endpoint.username.empty()) throw auth_failed(endpoint.address, "it needs a login");
      authorization = basic(endpoint);
    } else if (challenge.scheme == "bearer") {
      authorization = "Bearer " + bearer_token(endpoint, challenge, scope);
    } else {
      throw auth_failed(endpoint.address, "HTTP 401 without a challenge Dokkerr can answer");
    }
    return perform(endpoint, url, authorization, head, accept);
  }

  static std::string basic(const RegistryEndpoint& endpoint) {
    return "Basic " + crypto::base64_encode(endpoint.username + ":" + endpoint.password);
  }

  std::string bearer_token(const RegistryEndpoint& endpoint, const Challenge& challenge,
                           const std::string& scope) {
    const auto realm = challenge.param("realm");
    const auto realm_parts = parts_of(realm);
    if (realm.empty() || realm.size() > 2048 || !realm_parts) {
      throw bad_response(endpoint.address, "a token realm that is not an http(s) URL");
    }
    // The login goes to the realm: never in clear text unless the registry itself is plain HTTP.
    if (!realm_parts->https && !endpoint.insecure) {
      throw bad_response(endpoint.address, "a token realm without TLS");
    }
    std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
    url += "service=" + http::percent_encode(challenge.param("service"));
    const auto asked = challenge.param("scope");
    const auto& wanted = asked.empty() ? scope : asked;
    if (!wanted.empty()) url += "&scope=" + http::percent_encode(wanted);
    const auto answer = perform(endpoint, url, endpoint.username.empty() ? "" : basic(endpoint),
                                false, "Accept: application/json");
    if (answer.status == 401 || answer.status == 403) {
      throw auth_failed(endpoint.address,
                        "the token service answered HTTP " + std::to_string(answer.status));
    }
    if (answer.status != 200) {
      throw bad_response(endpoint.address,
                         "the token service answered HTTP " + std::to_string(answer.status));
    }
    boost::system::error_code ec;
    const auto value = bj::parse(answer.body, ec);
    const auto* object = ec ? nullptr : value.if_object();
    for (const auto* key : {"token", "access_token"}) {
      if (object == nullptr) break;
      if (const auto* token = object->if_contains(key); token != nullptr && token->is_string()) {
        const auto text = std::string(token->as_string());
        // A token goes into a header line: nothing that could end it.
        const bool clean =
            !text.empty() && text.size() <= 16 * 1024 &&
            std::all_of(text.begin(), text.end(), [](unsigned char c) { return c > 32 && c < 127; });
        if (clean) return text;
      }
    }
    throw bad_response(endpoint.address, "the token service sent no token");
  }

  static Answer perform(const RegistryEndpoint& endpoint, const std::string& url,
                        const std::string& authorization, bool head, const std::string& accept) {
    const auto parts = parts_of(url);
    if (!parts) throw bad_response(endpoint.address, "an address that is not a URL");
    const auto pinned =
        http::pin_host(parts->host, parts->port, [&endpoint](const boost::asio::ip::address& a) {
          return endpoint.any_address || is_public_address(a);
        });
    if (std::holds_alternative<http::PinFailure>(pinned)) {
      if (std::get<http::PinFailure>(pinned) == http::PinFailure::unresolvable) {
        throw unreachable(endpoint.address, parts->host + " does not resolve");
      }
      throw Error(ErrorKind::forbidden, "registry_not_allowed",
                  "Dokkerr may not call " + parts->host +
                      ": it resolves to an address that is not public. A platform admin can "
                      "allow the registry (--allowed-registry).");
    }
    const auto handle = http::make_curl_handle();
    CURL* const curl = handle.get();
    http::CurlHeaders resolve;
    resolve.add(std::get<std::string>(pinned));
    http::CurlHeaders headers;
    if (!accept.empty()) headers.add(accept);
    if (!authorization.empty()) headers.add("Authorization: " + authorization);
    Answer answer;
    std::array<char, CURL_ERROR_SIZE> error_buffer{};
    set_option(curl, CURLOPT_URL, url.c_str());
    set_option(curl, CURLOPT_RESOLVE, resolve.get());
    set_option(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    set_option(curl, CURLOPT_FOLLOWLOCATION, 0L);
    set_option(curl, CURLOPT_NOSIGNAL, 1L);
    set_option(curl, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
    set_option(curl, CURLOPT_TIMEOUT_MS, kTotalTimeoutMs);
    set_option(curl, CURLOPT_USERAGENT, "Dokkerr");
    if (head) set_option(curl, CURLOPT_NOBODY, 1L);
    if (headers.get() != nullptr) set_option(curl, CURLOPT_HTTPHEADER, headers.get());
    set_option(curl, CURLOPT_WRITEFUNCTION, &on_body);
    set_option(curl, CURLOPT_WRITEDATA, static_cast<void*>(&answer));
    set_option(curl, CURLOPT_HEADERFUNCTION, &on_header);
    set_option(curl, CURLOPT_HEADERDATA, static_cast<void*>(&answer));
    set_option(curl, CURLOPT_ERRORBUFFER, error_buffer.data());
    const CURLcode rc = curl_easy_perform(curl);
    if (answer.too_large) throw bad_response(endpoint.address, "an answer over 1 MiB");
    if (rc != CURLE_OK) {
      throw unreachable(endpoint.address,
                        error_buffer[0] != '\0' ? error_buffer.data() : curl_easy_strerror(rc));
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
    return answer;
  }
};

}  // namespace

std::string Challenge::param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return {};
}

Challenge parse_challenge(std::string_view header) {
  Challenge out;
  std::size_t i = 0;
  const auto skip_space = [&] {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
  };
  const auto token = [&] {
    const auto start = i;
    while (i < header.size() && header[i] != ' ' && header[i] != '\t' && header[i] != '=' &&
           header[i] != ',' && header[i] != '"') {
      ++i;
    }
    return header.substr(start, i - start);
  };
  skip_space();
  out.scheme = lower(token());
  if (out.scheme.empty()) return out;
  while (i < header.size()) {
    skip_space();
    if (i < header.size() && header[i] == ',') {
      ++i;
      continue;
    }
    const auto name = lower(token());
    skip_space();
    if (name.empty() || i >= header.size() || header[i] != '=') break;  // another challenge
    ++i;
    skip_space();
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      bool closed = false;
      while (i < header.size()) {
        const char c = header[i++];
        if (c == '\\' && i < header.size()) {
          value += header[i++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) return Challenge{};
    } else {
      value = std::string(token());
    }
    out.params.emplace_back(name, std::move(value));
    if (out.params.size() > 32) break;
  }
  return out;
}

bool is_repository_name(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto slash = name.find('/', start);
    const auto part = name.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                         : slash - start);
    if (part.empty()) return false;
    const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(part.front()) || !alnum(part.back())) return false;
    for (std::size_t k = 0; k < part.size(); ++k) {
      const char c = part[k];
      if (alnum(c)) continue;
      if (c != '.' && c != '_' && c != '-') return false;
      // Separators: '.', '_', '__' or any run of '-'.
      if (c == '.' && !alnum(part[k + 1])) return false;
      if (c == '_' && part[k + 1] == '_' && !alnum(part[k + 2])) return false;
      if (c == '_' && part[k + 1] != '_' && !alnum(part[k + 1])) return false;
      if (c == '_' && part[k + 1] == '_') ++k;
      if (c == '-' && !(alnum(part[k + 1]) || part[k + 1] == '-')) return false;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

std::unique_ptr<RegistryApi> make_http_registry_api() {
  return std::make_unique<HttpRegistryApi>();
}

}  // namespace dokkerr::registries
