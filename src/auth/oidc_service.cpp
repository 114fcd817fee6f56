#include "auth/oidc_service.hpp"

#include "auth/oidc_provider_client.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/logger.hpp"
#include "core/principal.hpp"
#include "crypto/primitives.hpp"
#include "crypto/secret_box.hpp"
#include "http/router.hpp"
#include "oidc/http_client.hpp"
#include "oidc/id_token.hpp"
#include "users/organization_store.hpp"
#include "users/roles.hpp"
#include "users/team_store.hpp"
#include "users/user_store.hpp"
#include "users/username.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <exception>

namespace dokkerr::auth {

namespace asio = boost::asio;
using users::kMaxUsernameBytes;

struct OidcService::Attempt {
  std::string provider_id, provider_name, subject, username;
  std::optional<Principal> actor;  // set once an account is known
  bool provisioned = false;
};

namespace {

constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxUrlBytes = 512;
constexpr std::size_t kMaxClientIdBytes = 255;
constexpr std::size_t kMaxClientSecretBytes = 1024;
constexpr std::size_t kMaxScopes = 32;
constexpr std::size_t kMaxMappings = 100;
constexpr std::size_t kMaxClaimNameBytes = 64;
constexpr std::size_t kMaxClaimValueBytes = 256;
constexpr std::size_t kMaxProfileBytes = 512;
constexpr std::size_t kBindingBytes = 32;
constexpr auto kMetadataTtl = std::chrono::minutes(60);

Error provider_not_found() {
  return Error::not_found("oidc_provider_not_found", "No such sign-in provider.");
}

Error state_mismatch() {
  return {ErrorKind::unauthorized, "oidc_state_mismatch",
          "The sign-in answer does not belong to this login."};
}

// RFC 6749 VSCHAR (client id and secret): printable ASCII.
bool vschars(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte <= 0x7E;
  });
}

bool no_controls(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  });
}

// RFC 6749 §3.3 scope-token.
bool valid_scope(std::string_view scope) {
  return !scope.empty() && std::all_of(scope.begin(), scope.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x21 && byte <= 0x7E && c != '"' && c != '\\';
  });
}

void check_bounded(std::string_view field, std::string_view value, std::size_t max_bytes,
                   bool (*check)(std::string_view)) {
  if (value.empty() || value.size() > max_bytes || !check(value)) {
    throw Error::invalid("invalid_body", std::string(field) + " must be 1–" +
                                             std::to_string(max_bytes) + " printable characters.");
  }
}

// "openid" first, then the requested ones, each once.
std::vector<std::string> checked_scopes(const std::optional<std::vector<std::string>>& requested) {
  if (!requested) return {"openid", "email", "profile"};
  if (requested->size() > kMaxScopes) {
    throw Error::invalid("invalid_body", "scopes holds at most 32 entries.");
  }
  std::vector<std::string> scopes{"openid"};
  for (const auto& scope : *requested) {
    if (!valid_scope(scope)) {
      throw Error::invalid("oidc_invalid_scope", "OpenID scopes are non-empty and have no spaces.");
    }
    if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) scopes.push_back(scope);
  }
  return scopes;
}

void check_mapping_shape(const std::vector<TeamMapping>& mapping) {
  if (mapping.size() > kMaxMappings) {
    throw Error::invalid("invalid_team_mapping", "team_mapping holds at most 100 entries.");
  }
  for (const auto& m : mapping) {
    if (m.claim.empty() || m.claim.size() > kMaxClaimNameBytes || m.value.empty() ||
        m.value.size() > kMaxClaimValueBytes || m.team_id.empty() || m.role.empty()) {
      throw Error::invalid("invalid_team_mapping",
                           "A mapping's claim (1–64 bytes), value (1–256 bytes), team_id and role "
                           "must not be empty.");
    }
  }
}

std::string sanitize_username(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const bool allowed =
        std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
    if (!allowed) continue;
    if (out.empty() && std::isalnum(static_cast<unsigned char>(c)) == 0) continue;
    out += c;
    if (out.size() == kMaxUsernameBytes) break;
  }
  return out;
}

std::string clip(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  // Cut at a character boundary: never leave half of a UTF-8 sequence.
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  return std::string(text.substr(0, end));
}

// The callback's state parameter; nullopt when absent or the query is malformed.
std::optional<std::string> state_parameter(std::string_view query) {
  try {
    auto state = http::parse_query(query).get("state");
    if (state && (state->empty() || state->size() > 256)) return std::nullopt;
    return state;
  } catch (const Error&) {
    return std::nullopt;
  }
}

// The login table key: a callback must bring both the state and the browser's binding.
std::string login_key(std::string_view binding, std::string_view state) {
  std::string input(binding);
  input += '.';
  input += state;
  return crypto::sha256_hex(input);
}

}  // namespace

// ------------------------------------------------------------------------------ pure helpers

std::string oidc_username_base(const oidc::IdTokenClaims& claims) {
  auto base = sanitize_username(claims.preferred_username);
  if (base.empty() && !claims.email.empty()) {
    base = sanitize_username(std::string_view(claims.email).substr(0, claims.email.find('@')));
  }
  return base.empty() ? "user" : base;
}

std::optional<std::string> oidc_username_candidate(std::string_view base, int attempt) {
  if (attempt < 0 || attempt >= 20) return std::nullopt;
  if (attempt == 0) return std::string(base.substr(0, kMaxUsernameBytes));
  const std::string suffix = "-" + std::to_string(attempt + 1);
  return std::string(base.substr(0, kMaxUsernameBytes - suffix.size())) + suffix;
}

std::map<std::string, std::string> mapped_team_roles(const std::vector<TeamMapping>& mapping,
                                                     std::string_view claims_json) {
  std::map<std::string, std::string> roles;
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(claims_json, ec);
  if (ec || !parsed.is_object()) return roles;
  const auto& claims = parsed.as_object();
  for (const auto& entry : mapping) {
    if (roles.contains(entry.team_id)) continue;  // the first match of a team wins
    const auto* claim = claims.if_contains(entry.claim);
    if (claim == nullptr) continue;
    bool matches = false;
    if (const auto* text = claim->if_string()) {
      matches = *text == entry.value;
    } else if (const auto* list = claim->if_array()) {
      // Like the ID token's profile claims: an array with a member that is not a string counts
      // as absent, never half-used.
      const bool strings = std::all_of(list->begin(), list->end(),
                                       [](const boost::json::value& v) { return v.is_string(); });
      matches =
          strings && std::any_of(list->begin(), list->end(), [&entry](const boost::json::value& v) {
            return v.as_string() == entry.value;
          });
    }
    if (matches) roles.emplace(entry.team_id, entry.role);
  }
  return roles;
}

// ------------------------------------------------------------------------------ providers

void OidcService::check_team_mapping(const std::vector<TeamMapping>& mapping) {
  for (const auto& m : mapping) {
    const auto team = deps_.teams.find(m.team_id);
    if (!team) {
      throw Error::invalid("invalid_team_mapping",
                           "team_mapping names a team that does not exist: " + m.team_id);
    }
    if (!users::role_fits_team(m.role, *team, deps_.organizations)) {
      throw Error::invalid("invalid_role",
                           "Team roles are admin, developer, operator, viewer or "
                           "role:<custom role id> of the team's organization.");
    }
  }
}

asio::awaitable<OidcProviderRecord> OidcService::create_provider(OidcProviderInput input) {
  check_bounded("name", input.name, kMaxNameBytes, no_controls);
  check_bounded("issuer", input.issuer, kMaxUrlBytes, vschars);
  check_bounded("client_id", input.client_id, kMaxClientIdBytes, vschars);
  check_bounded("client_secret", input.client_secret, kMaxClientSecretBytes, vschars);
  check_bounded("redirect_uri", input.redirect_uri, kMaxUrlBytes, vschars);
  if (!oidc::is_http_url(input.redirect_uri)) {
    throw Error::invalid("oidc_invalid_redirect_uri",
                         "redirect_uri must be an absolute http(s) URL without a fragment.");
  }
  OidcProviderRecord provider;
  provider.scopes = checked_scopes(input.scopes);
  check_mapping_shape(input.team_mapping);
  provider.id = random_hex(16);
  provider.name = std::move(input.name);
  provider.issuer = std::move(input.issuer);
  provider.client_id = std::move(input.client_id);
  provider.redirect_uri = std::move(input.redirect_uri);
  provider.team_mapping = std::move(input.team_mapping);
  provider.enabled = input.enabled;
  provider.created_at = deps_.clock.stamp();
  provider.client_secret_sealed = deps_.secrets.seal(input.client_secret, "oidc:" + provider.id);

  // Discovery proves the issuer answers as itself before anyone can be sent there.
  auto metadata = co_await deps_.provider.discover(provider.issuer);

  auto insert = [this, &provider] {
    check_team_mapping(provider.team_mapping);
    deps_.store.insert_provider(provider);
  };
  co_await deps_.pool.run(insert);
  {
    const std::lock_guard lock(cache_mutex_);
    cache_[provider.id] =
        Cached{provider.issuer, std::move(metadata), std::chrono::steady_clock::now(), nullptr};
  }
  co_return provider;
}

asio::awaitable<std::vector<OidcProviderRecord>> OidcService::list_providers() {
  auto list = [this] { return deps_.store.list_providers(); };
  co_return co_await deps_.pool.run(list);
}

asio::awaitable<std::vector<OidcProviderRecord>> OidcService::public_providers() {
  auto providers = co_await list_providers();
  std::erase_if(providers, [](const OidcProviderRecord& p) { return !p.enabled; });
  co_return providers;
}

asio::awaitable<OidcProviderRecord> OidcService::update_provider(std::string id,
                                                                 OidcProviderPatch patch) {
  auto find = [this, &id] { return deps_.store.find_provider(id); };
  auto found = co_await deps_.pool.run(find);
  if (!found) throw provider_not_found();
  auto provider = std::move(*found);
  if (patch.name) {
    check_bounded("name", *patch.name, kMaxNameBytes, no_controls);
    provider.name = std::move(*patch.name);
  }
  const bool new_issuer = patch.issuer && *patch.issuer != provider.issuer;
  if (patch.issuer) {
    check_bounded("issuer", *patch.issuer, kMaxUrlBytes, vschars);
    provider.issuer = std::move(*patch.issuer);
  }
  if (patch.client_id) {
    check_bounded("client_id", *patch.client_id, kMaxClientIdBytes, vschars);
    provider.client_id = std::move(*patch.client_id);
  }
  if (patch.client_secret) {
    check_bounded("client_secret", *patch.client_secret, kMaxClientSecretBytes, vschars);
    provider.client_secret_sealed = deps_.secrets.seal(*patch.client_secret, "oidc:" + provider.id);
  }
  if (patch.redirect_uri) {
    check_bounded("redirect_uri", *patch.redirect_uri, kMaxUrlBytes, vschars);
    if (!oidc::is_http_url(*patch.redirect_uri)) {
      throw Error::invalid("oidc_invalid_redirect_uri",
                           "redirect_uri must be an absolute http(s) URL without a fragment.");
    }
    provider.redirect_uri = std::move(*patch.redirect_uri);
  }
  if (patch.scopes) provider.scopes = checked_scopes(patch.scopes);
  if (patch.team_mapping) {
    check_mapping_shape(*patch.team_mapping);
    provider.team_mapping = std::move(*patch.team_mapping);
  }
  if (patch.enabled) provider.enabled = *patch.enabled;

  std::optional<oidc::ProviderMetadata> metadata;
  if (new_issuer) metadata = co_await deps_.provider.discover(provider.issuer);
  auto update = [this, &provider] {
    check_team_mapping(provider.team_mapping);
    return deps_.store.update_provider(provider);
  };
  if (!co_await deps_.pool.run(update)) throw provider_not_found();
  const std::lock_guard lock(cache_mutex_);
  if (metadata) {
    cache_[provider.id] =
        Cached{provider.issuer, std::move(*metadata), std::chrono::steady_clock::now(), nullptr};
  }
  co_return provider;
}

asio::awaitable<void> OidcService::delete_provider(std::string id) {
  auto remove = [this, &id] { return deps_.store.remove_provider(id); };
  const bool removed = co_await deps_.pool.run(remove);
  if (!removed) throw provider_not_found();
  const std::lock_guard lock(cache_mutex_);
  cache_.erase(id);
}

asio::awaitable<oidc::ProviderMetadata> OidcService::metadata_for(
    const OidcProviderRecord& provider) {
  {
    const std::lock_guard lock(cache_mutex_);
    const auto found = cache_.find(provider.id);
    if (found != cache_.end() && found->second.issuer == provider.issuer &&
        std::chrono::steady_clock::now() - found->second.fetched_at < kMetadataTtl) {
      co_return found->second.metadata;
    }
  }
  auto metadata = co_await deps_.provider.discover(provider.issuer);
  const std::lock_guard lock(cache_mutex_);
  auto& entry = cache_[provider.id];
  if (entry.issuer != provider.issuer || entry.metadata.jwks_uri != metadata.jwks_uri) {
    entry.keys.reset();
  }
  entry.issuer = provider.issuer;
  entry.metadata = metadata;
  entry.fetched_at = std::chrono::steady_clock::now();
  co_return metadata;
}

asio::awaitable<std::shared_ptr<const oidc::JwkSet>> OidcService::keys_for(
    const OidcProviderRecord& provider, const oidc::ProviderMetadata& metadata, bool refresh) {
  if (!refresh) {
    const std::lock_guard lock(cache_mutex_);
    const auto found = cache_.find(provider.id);
    if (found != cache_.end() && found->second.keys &&
        found->second.metadata.jwks_uri == metadata.jwks_uri) {
      co_return found->second.keys;
    }
  }
  auto keys = co_await deps_.provider.fetch_keys(metadata);
  const std::lock_guard lock(cache_mutex_);
  auto& entry = cache_[provider.id];
  if (entry.issuer == provider.issuer && entry.metadata.jwks_uri == metadata.jwks_uri) {
    entry.keys = keys;
  }
  co_return keys;
}

// ------------------------------------------------------------------------------ the flow

bool OidcService::admit_start(const std::string& address) {
  // A rate, not a point in time: the steady clock is the right one here.
  const auto now = std::chrono::steady_clock::now();
  const std::lock_guard lock(starts_mutex_);
  if (starts_.size() >= 10'000) {
    std::erase_if(starts_, [now](const auto& entry) {
      return now - entry.second.started >= std::chrono::minutes(1);
    });
  }
  auto& window = starts_[address];
  if (now - window.started >= std::chrono::minutes(1)) window = StartWindow{now, 0};
  if (window.count >= kOidcStartsPerAddressPerMinute) return false;
  ++window.count;
  return true;
}

asio::awaitable<OidcLoginStart> OidcService::start(std::string provider_id,
                                                   std::optional<std::string> redirect_uri,
                                                   std::string client_address) {
  auto find = [this, &provider_id] { return deps_.store.find_provider(provider_id); };
  const auto provider = co_await deps_.pool.run(find);
  if (!provider || !provider->enabled) throw provider_not_found();
  if (redirect_uri && *redirect_uri != provider->redirect_uri) {
    throw Error::invalid("oidc_redirect_uri_mismatch",
                         "redirect_uri is not the one configured for this provider.");
  }
  if (!admit_start(client_address)) {
    throw Error(ErrorKind::rate_limited, "oidc_too_many_logins",
                "Too many sign-ins were started from this address; try again in a minute.");
  }
  const auto metadata = co_await metadata_for(*provider);
  auto request = oidc::begin_authorization(metadata, provider->client_id, provider->redirect_uri,
                                           provider->scopes);
  OidcLoginStart out;
  out.binding = crypto::base64url_encode(crypto::random_bytes(kBindingBytes));
  out.secure_cookie = provider->redirect_uri.starts_with("https:");

  const PendingLogin login{login_key(out.binding, request.state),
                           provider->id,
                           request.nonce,
                           request.code_verifier,
                           provider->redirect_uri,
                           deps_.clock.stamp_in(std::chrono::seconds(kOidcLoginTtlSeconds))};
  auto store = [this, &login] { return deps_.store.insert_login(login, kOidcMaxPendingLogins); };
  const bool stored = co_await deps_.pool.run(store);
  if (!stored) {
    throw Error(ErrorKind::rate_limited, "oidc_too_many_logins",
                "Too many sign-ins are in progress; try again in a few minutes.");
  }
  out.authorization_url = std::move(request.url);
  co_return out;
}

asio::awaitable<TokenPair> OidcService::callback(std::string query,
                                                 std::optional<std::string> binding,
                                                 ClientInfo client) {
  Attempt attempt;
  std::exception_ptr failure;
  std::string reason = "internal";
  std::optional<TokenPair> pair;
  try {
    pair = co_await sign_in(std::move(query), std::move(binding), client, attempt);
  } catch (const Error& error) {
    failure = std::current_exception();
    reason = error.code();
    if (error.kind() == ErrorKind::internal || error.kind() == ErrorKind::bad_gateway ||
        error.kind() == ErrorKind::unavailable) {
      deps_.logger.warn("oidc sign-in failed", {{"provider_id", attempt.provider_id},
                                                {"code", error.code()},
                                                {"internal", error.internal()}});
    }
  } catch (const std::exception& error) {
    failure = std::current_exception();
    deps_.logger.error("oidc sign-in failed",
                       {{"provider_id", attempt.provider_id}, {"error", error.what()}});
  }

  AuditRecord entry;
  entry.action = "auth.oidc_login";
  entry.client = client;
  entry.target = attempt.provider_id;
  boost::json::object detail{{"provider_id", attempt.provider_id},
                             {"provider", attempt.provider_name}};
  if (attempt.actor) {
    set_actor(entry, *attempt.actor);
  } else {
    entry.actor_name = attempt.username.empty() ? attempt.subject : attempt.username;
  }
  if (failure) {
    entry.result = reason == "account_disabled" ? "denied" : "failure";
    detail["reason"] = reason;
  } else {
    entry.result = "success";
    detail["provisioned"] = attempt.provisioned;
  }
  entry.detail_json = boost::json::serialize(detail);
  co_await deps_.audit.record(std::move(entry));
  if (failure) std::rethrow_exception(failure);
  co_return std::move(*pair);
}

asio::awaitable<TokenPair> OidcService::sign_in(std::string query,
                                                std::optional<std::string> binding,
                                                const ClientInfo& client, Attempt& attempt) {
  const auto state = state_parameter(query);
  if (!state || !binding || binding->empty() || binding->size() > 128) throw state_mismatch();

  const auto key = login_key(*binding, *state);
  auto take = [this, &key] { return deps_.store.take_login(key); };
  const auto login = co_await deps_.pool.run(take);
  if (!login) throw state_mismatch();
  attempt.provider_id = login->provider_id;
  if (login->expires_at <= deps_.clock.stamp()) {
    throw Error(ErrorKind::unauthorized, "oidc_login_expired",
                "The sign-in took too long; please start again.");
  }

  auto find = [this, &login] { return deps_.store.find_provider(login->provider_id); };
  const auto provider = co_await deps_.pool.run(find);
  if (!provider || !provider->enabled) {
    throw Error(ErrorKind::unauthorized, "oidc_provider_disabled",
                "This sign-in provider is no longer available.");
  }
  attempt.provider_name = provider->name;

  const auto metadata = co_await metadata_for(*provider);
  CodeExchange exchange;
  exchange.code = oidc::authorization_code_from_callback(metadata, *state, query);
  exchange.metadata = metadata;
  exchange.client_id = provider->client_id;
  exchange.client_secret =
      deps_.secrets.open(provider->client_secret_sealed, "oidc:" + provider->id);
  exchange.redirect_uri = login->redirect_uri;
  exchange.code_verifier = login->code_verifier;
  const auto tokens = co_await deps_.provider.exchange_code(std::move(exchange));

  auto keys = co_await keys_for(*provider, metadata, false);
  std::optional<oidc::IdTokenClaims> claims;
  bool unknown_key = false;
  try {
    claims = oidc::verify_id_token(tokens.id_token, *keys, metadata.issuer, provider->client_id,
                                   login->nonce, deps_.clock.unix_seconds());
  } catch (const Error& error) {
    if (error.code() != "oidc_unknown_key") throw;
    unknown_key = true;
  }
  if (unknown_key) {
    // The provider may have rotated its keys since we fetched them: once more, not in a loop.
    keys = co_await keys_for(*provider, metadata, true);
    claims = oidc::verify_id_token(tokens.id_token, *keys, metadata.issuer, provider->client_id,
                                   login->nonce, deps_.clock.unix_seconds());
  }
  attempt.subject = claims->sub;
  attempt.username = claims->preferred_username;

  auto enter = [this, &provider, &metadata, &claims, &client, &attempt] {
    auto user = deps_.users.find_by_oidc(metadata.issuer, claims->sub);
    if (!user) {
      user = provision(*claims, metadata.issuer);
      attempt.provisioned = true;
    }
    Principal actor;
    actor.user_id = user->id;
    actor.username = user->username;
    attempt.actor = actor;
    if (user->disabled) {
      throw Error(ErrorKind::forbidden, "account_disabled", "This account is disabled.");
    }
    apply_team_mapping(*provider, *user, *claims);
    deps_.users.touch_login(user->id);
    return deps_.sessions.open(user->id, "oidc", client);
  };
  co_return co_await deps_.pool.run(enter);
}

users::User OidcService::provision(const oidc::IdTokenClaims& claims, const std::string& issuer) {
  const auto base = oidc_username_base(claims);
  for (int attempt = 0;; ++attempt) {
    auto candidate = oidc_username_candidate(base, attempt);
    if (!candidate) {
      // Twenty namesakes: fall back to a random suffix rather than give up.
      const std::string suffix = "-" + random_hex(4);
      candidate = base.substr(0, kMaxUsernameBytes - suffix.size()) + suffix;
      if (attempt > 40) throw Error::internal_error("no free username for an OpenID account");
    }
    if (deps_.users.find_by_username(*candidate)) continue;
    users::User user;
    user.id = random_hex(16);
    user.username = *candidate;
    user.email = claims.email_verified ? clip(claims.email, kMaxProfileBytes) : "";
    user.display_name = clip(claims.name, kMaxProfileBytes);
    user.oidc_provider = issuer;
    user.oidc_subject = claims.sub;
    user.created_at = user.updated_at = deps_.clock.stamp();
    try {
      deps_.users.insert(user);
      return user;
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::conflict) throw;
      // Either the name was taken a moment ago, or the same person's first sign-in ran twice.
      if (auto existing = deps_.users.find_by_oidc(issuer, claims.sub)) return *existing;
    }
  }
}

void OidcService::apply_team_mapping(const OidcProviderRecord& provider, const users::User& user,
                                     const oidc::IdTokenClaims& claims) {
  for (const auto& [team_id, role] :
       mapped_team_roles(provider.team_mapping, claims.raw_claims_json)) {
    const auto team = deps_.teams.find(team_id);
    if (!team || !users::role_fits_team(role, *team, deps_.organizations)) {
      deps_.logger.warn("oidc team mapping skipped: the team or role no longer exists",
                        {{"provider_id", provider.id}, {"team_id", team_id}, {"role", role}});
      continue;
    }
    if (deps_.teams.member_role(team_id, user.id) == role) continue;
    deps_.teams.put_member(team_id, user.id, role);
  }
}

}  // namespace dokkerr::auth
