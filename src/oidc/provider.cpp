#include "oidc/provider.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "oidc/http_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <optional>

namespace dokkerr::oidc {
namespace {

constexpr std::size_t kSecretBytes = 32;  // 256 bits for state, nonce and code verifier

Error invalid_response(std::string internal) {
  return {ErrorKind::bad_gateway, "oidc_invalid_provider_response",
          "The identity provider sent an answer Dokkerr cannot use.", std::move(internal)};
}

Error unavailable(std::string internal) {
  return {ErrorKind::bad_gateway, "oidc_provider_unavailable",
          "The identity provider cannot be reached.", std::move(internal)};
}

Error unauthorized(std::string code, std::string detail, std::string internal = {}) {
  return {ErrorKind::unauthorized, std::move(code), std::move(detail), std::move(internal)};
}

boost::json::object parse_json_object(std::string_view body, std::string_view what) {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) {
    throw invalid_response(std::string(what) + " is not a JSON object");
  }
  return std::move(value.as_object());
}

std::optional<std::string> string_member(const boost::json::object& object, std::string_view name,
                                         std::string_view what) {
  const auto* value = object.if_contains(name);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_string()) {
    throw invalid_response(std::string(what) + ": '" + std::string(name) + "' is not a string");
  }
  return std::string(value->as_string());
}

std::string endpoint(const boost::json::object& document, std::string_view name) {
  auto url = string_member(document, name, "discovery document");
  if (!url || !is_http_url(*url)) {
    throw invalid_response("discovery document: '" + std::string(name) +
                           "' is missing or not an http(s) URL");
  }
  return std::move(*url);
}

// A status the caller did not expect: 5xx is the provider's trouble, the rest is ours to report.
[[noreturn]] void unexpected_status(const HttpResponse& response, const std::string& url,
                                    std::string code, std::string detail) {
  const std::string internal = url + " answered HTTP " + std::to_string(response.status);
  if (response.status >= 500) throw unavailable(internal);
  throw Error(ErrorKind::bad_gateway, std::move(code), std::move(detail), internal);
}

bool valid_scope(std::string_view scope) {
  // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
  return !scope.empty() && std::all_of(scope.begin(), scope.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x21 && byte <= 0x7E && c != '"' && c != '\\';
  });
}

}  // namespace

ProviderMetadata parse_provider_metadata(std::string_view json, std::string_view issuer) {
  const auto document = parse_json_object(json, "discovery document");
  const auto published = string_member(document, "issuer", "discovery document");
  if (!published) throw invalid_response("discovery document has no 'issuer'");
  if (*published != issuer) {
    throw Error(ErrorKind::bad_gateway, "oidc_issuer_mismatch",
                "The identity provider does not identify itself as the configured issuer.",
                "discovery document names issuer '" + *published + "', configured '" +
                    std::string(issuer) + "'");
  }

  ProviderMetadata metadata;
  metadata.issuer = *published;
  metadata.authorization_endpoint = endpoint(document, "authorization_endpoint");
  metadata.token_endpoint = endpoint(document, "token_endpoint");
  metadata.jwks_uri = endpoint(document, "jwks_uri");
  if (document.contains("userinfo_endpoint")) {
    metadata.userinfo_endpoint = endpoint(document, "userinfo_endpoint");
  }

  const auto* algs = document.if_contains("id_token_signing_alg_values_supported");
  if (algs == nullptr || !algs->is_array()) {
    throw invalid_response("discovery document has no 'id_token_signing_alg_values_supported'");
  }
  for (const auto& alg : algs->as_array()) {
    if (!alg.is_string()) {
      throw invalid_response("discovery document: a signing algorithm is not a string");
    }
    metadata.id_token_signing_alg_values_supported.emplace_back(alg.as_string());
  }
  const auto& supported = metadata.id_token_signing_alg_values_supported;
  if (std::find(supported.begin(), supported.end(), "RS256") == supported.end() &&
      std::find(supported.begin(), supported.end(), "ES256") == supported.end()) {
    throw Error(ErrorKind::bad_gateway, "oidc_unsupported_provider",
                "The identity provider signs ID tokens with no algorithm Dokkerr accepts "
                "(RS256, ES256).");
  }
  return metadata;
}

ProviderMetadata discover(std::string_view issuer) {
  if (!is_http_url(issuer) || issuer.find_first_of("?#") != std::string_view::npos) {
    throw Error::invalid("oidc_invalid_issuer",
                         "The OpenID issuer must be an http(s) URL without query or fragment.");
  }
  std::string url(issuer);
  if (url.back() == '/') url.pop_back();
  url += "/.well-known/openid-configuration";

  const auto response = http_request({url, {}, {}});
  if (response.status != 200) {
    unexpected_status(response, url, "oidc_discovery_failed",
                      "The identity provider's discovery document cannot be read.");
  }
  return parse_provider_metadata(response.body, issuer);
}

JwkSet fetch_jwks(const ProviderMetadata& metadata) {
  const auto response = http_request({metadata.jwks_uri, {}, {}});
  if (response.status != 200) {
    unexpected_status(response, metadata.jwks_uri, "oidc_invalid_provider_response",
                      "The identity provider sent an answer Dokkerr cannot use.");
  }
  return JwkSet::parse(response.body);
}

AuthorizationRequest begin_authorization(const ProviderMetadata& metadata,
                                         std::string_view client_id, std::string_view redirect_uri,
                                         const std::vector<std::string>& scopes) {
  std::string scope = "openid";
  for (const auto& item : scopes) {
    if (!valid_scope(item)) {
      throw Error::invalid("oidc_invalid_scope", "OpenID scopes are non-empty and have no spaces.");
    }
    if (item != "openid") scope += " " + item;
  }

  AuthorizationRequest request;
  request.state = crypto::base64url_encode(crypto::random_bytes(kSecretBytes));
  request.nonce = crypto::base64url_encode(crypto::random_bytes(kSecretBytes));
  request.code_verifier = crypto::base64url_encode(crypto::random_bytes(kSecretBytes));
  const std::string challenge = crypto::base64url_encode(crypto::sha256(request.code_verifier));

  request.url = metadata.authorization_endpoint;
  request.url += metadata.authorization_endpoint.find('?') == std::string::npos ? '?' : '&';
  request.url += "response_type=code&client_id=" + form_encode(client_id) +
                 "&redirect_uri=" + form_encode(redirect_uri) + "&scope=" + form_encode(scope) +
                 "&state=" + request.state + "&nonce=" + request.nonce +
                 "&code_challenge=" + challenge + "&code_challenge_method=S256";
  return request;
}

std::string authorization_code_from_callback(const ProviderMetadata& metadata,
                                             std::string_view expected_state,
                                             std::string_view query) {
  const std::string reference = "?" + std::string(query);
  const auto parsed = boost::urls::parse_relative_ref(reference);
  if (!parsed) {
    throw unauthorized("oidc_invalid_callback", "The sign-in answer is malformed.");
  }
  std::optional<std::string> code;
  std::optional<std::string> state;
  std::optional<std::string> iss;
  std::optional<std::string> error;
  for (const auto& param : parsed->params()) {
    std::optional<std::string>* slot = nullptr;
    if (param.key == "code")
      slot = &code;
    else if (param.key == "state")
      slot = &state;
    else if (param.key == "iss")
      slot = &iss;
    else if (param.key == "error")
      slot = &error;
    if (slot == nullptr) continue;
    // A repeated parameter leaves it to chance which one a check sees.
    if (slot->has_value()) {
      throw unauthorized("oidc_invalid_callback", "The sign-in answer is malformed.",
                         "callback repeats '" + param.key + "'");
    }
    *slot = param.value;
  }

  // The state comes first: an answer that does not belong to this login says nothing else.
  if (!state || expected_state.empty() || !crypto::constant_time_equal(*state, expected_state)) {
    throw unauthorized("oidc_state_mismatch", "The sign-in answer does not belong to this login.");
  }
  if (iss && *iss != metadata.issuer) {
    throw unauthorized("oidc_issuer_mismatch",
                       "The sign-in answer comes from another identity provider.",
                       "callback iss '" + *iss + "'");
  }
  if (error) {
    if (*error == "access_denied") {
      throw unauthorized("oidc_access_denied", "The identity provider refused the sign-in.");
    }
    throw unauthorized("oidc_authorization_failed", "The identity provider refused the sign-in.",
                       "callback error '" + *error + "'");
  }
  if (!code || code->empty()) {
    throw unauthorized("oidc_invalid_callback", "The sign-in answer has no authorization code.");
  }
  return std::move(*code);
}

TokenResponse exchange_code(const ProviderMetadata& metadata, std::string_view client_id,
                            std::string_view client_secret, std::string_view code,
                            std::string_view redirect_uri, std::string_view code_verifier) {
  HttpRequest request;
  request.url = metadata.token_endpoint;
  request.form_body = "grant_type=authorization_code&code=" + form_encode(code) +
                      "&redirect_uri=" + form_encode(redirect_uri) +
                      "&code_verifier=" + form_encode(code_verifier);
  request.authorization = basic_authorization(client_id, client_secret);
  const auto response = http_request(request);

  if (response.status == 200) {
    const auto document = parse_json_object(response.body, "token response");
    auto id_token = string_member(document, "id_token", "token response");
    auto access_token = string_member(document, "access_token", "token response");
    if (!id_token || id_token->empty() || !access_token || access_token->empty()) {
      throw invalid_response("token response lacks id_token or access_token");
    }
    return {std::move(*id_token), std::move(*access_token)};
  }
  if (response.status >= 500) {
    throw unavailable(metadata.token_endpoint + " answered HTTP " +
                      std::to_string(response.status));
  }

  // RFC 6749 §5.2: 400 (or 401 for client authentication) with {"error": ...}.
  std::string oauth_error;
  boost::system::error_code ec;
  const auto value = boost::json::parse(response.body, ec);
  if (!ec && value.is_object()) {
    if (const auto* e = value.as_object().if_contains("error"); e != nullptr && e->is_string()) {
      oauth_error = e->as_string();
    }
  }
  const std::string internal = "token endpoint answered HTTP " + std::to_string(response.status) +
                               (oauth_error.empty() ? "" : " " + oauth_error);
  if (response.status == 400 && oauth_error == "invalid_grant") {
    throw unauthorized("oidc_invalid_grant",
                       "The sign-in has expired or was already used; please sign in again.",
                       internal);
  }
  if (response.status == 401 || oauth_error == "invalid_client" ||
      oauth_error == "unauthorized_client") {
    throw Error(ErrorKind::bad_gateway, "oidc_client_rejected",
                "The identity provider does not accept Dokkerr's client credentials.", internal);
  }
  throw Error(ErrorKind::bad_gateway, "oidc_token_request_rejected",
              "The identity provider refused to issue tokens.", internal);
}

}  // namespace dokkerr::oidc
