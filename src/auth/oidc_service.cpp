#include "auth/oidc_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/logger.hpp"
#include "core/principal.hpp"
#include "crypto/primitives.hpp"
#include "crypto/secret_box.hpp"
#include "http/router.hpp"
#include "oidc/http_client.hpp"
#include "oidc/id_token.hpp"
#include "store/database.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <exception>

namespace dokkerr::auth {

namespace asio = boost::asio;
using boost::json::array;
using boost::json::object;

struct OidcService::Attempt {
  std::string provider_id, provider_name, subject, username;
  std::optional<Principal> actor;  // set once an account is known
  bool provisioned = false;
};

namespace {

using Clock = std::chrono::system_clock;

constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxUrlBytes = 512;
constexpr std::size_t kMaxClientIdBytes = 255;
constexpr std::size_t kMaxClientSecretBytes = 1024;
constexpr std::size_t kMaxScopes = 32;
constexpr std::size_t kMaxMappings = 100;
constexpr std::size_t kMaxClaimNameBytes = 64;
constexpr std::size_t kMaxClaimValueBytes = 256;
using users::kMaxUsernameBytes;
constexpr std::size_t kMaxProfileBytes = 512;
constexpr std::size_t kBindingBytes = 32;
constexpr auto kMetadataTtl = std::chrono::minutes(60);

constexpr std::string_view kProviderColumns =
    "id, name, issuer, client_id, client_secret, redirect_uri, scopes, team_mapping, enabled, "
    "created_at";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
}

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

std::string bounded(const object& body, std::string_view field, std::size_t max_bytes,
                    bool (*check)(std::string_view)) {
  auto value = json::required_string(body, field);
  if (value.empty() || value.size() > max_bytes || !check(value)) {
    throw Error::invalid("invalid_body", std::string(field) + " must be 1–" +
                                             std::to_string(max_bytes) + " printable characters.");
  }
  return value;
}

std::vector<std::string> parse_scopes(const object& body) {
  const auto* list = json::optional_array(body, "scopes");
  if (list == nullptr) return {"openid", "email", "profile"};
  if (list->size() > kMaxScopes) {
    throw Error::invalid("invalid_body", "scopes holds at most 32 entries.");
  }
  std::vector<std::string> scopes{"openid"};
  for (const auto& item : *list) {
    if (!item.is_string() || !valid_scope(item.as_string())) {
      throw Error::invalid("oidc_invalid_scope", "OpenID scopes are non-empty and have no spaces.");
    }
    const std::string scope(item.as_string());
    if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) scopes.push_back(scope);
  }
  return scopes;
}

std::vector<TeamMapping> parse_mapping_body(const object& body) {
  std::vector<TeamMapping> out;
  const auto* list = json::optional_array(body, "team_mapping");
  if (list == nullptr) return out;
  if (list->size() > kMaxMappings) {
    throw Error::invalid("invalid_team_mapping", "team_mapping holds at most 100 entries.");
  }
  for (const auto& item : *list) {
    if (!item.is_object()) {
      throw Error::invalid("invalid_team_mapping",
                           "Each team_mapping entry is {claim, value, team_id, role}.");
    }
    const auto& entry = item.as_object();
    json::only_fields(entry, {"claim", "value", "team_id", "role"});
    TeamMapping mapping{
        json::required_string(entry, "claim"), json::required_string(entry, "value"),
        json::required_string(entry, "team_id"), json::required_string(entry, "role")};
    if (mapping.claim.empty() || mapping.claim.size() > kMaxClaimNameBytes ||
        mapping.value.empty() || mapping.value.size() > kMaxClaimValueBytes ||
        mapping.team_id.empty() || mapping.role.empty()) {
      throw Error::invalid("invalid_team_mapping",
                           "A mapping's claim (1–64 bytes), value (1–256 bytes), team_id and role "
                           "must not be empty.");
    }
    out.push_back(std::move(mapping));
  }
  return out;
}

array scopes_array(const std::vector<std::string>& scopes) {
  array out;
  for (const auto& scope : scopes) out.emplace_back(scope);
  return out;
}

array mapping_array(const std::vector<TeamMapping>& mapping) {
  array out;
  for (const auto& m : mapping) {
    out.emplace_back(
        object{{"claim", m.claim}, {"value", m.value}, {"team_id", m.team_id}, {"role", m.role}});
  }
  return out;
}

std::vector<TeamMapping> mapping_from_json(std::string_view text) {
  std::vector<TeamMapping> out;
  const auto value = json::parse(text);
  if (const auto* list = value.if_array()) {
    for (const auto& item : *list) {
      const auto* entry = item.if_object();
      if (entry == nullptr) continue;
      auto field = [entry](std::string_view name) {
        const auto* v = entry->if_contains(name);
        return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
      };
      out.push_back({field("claim"), field("value"), field("team_id"), field("role")});
    }
  }
  return out;
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

std::string provider_json(const std::string& id, const std::string& name, const std::string& issuer,
                          const std::string& client_id, const std::string& redirect_uri,
                          const std::vector<std::string>& scopes,
                          const std::vector<TeamMapping>& mapping, bool enabled,
                          const std::string& created_at) {
  return boost::json::serialize(object{{"id", id},
                                       {"name", name},
                                       {"issuer", issuer},
                                       {"client_id", client_id},
                                       {"redirect_uri", redirect_uri},
                                       {"scopes", scopes_array(scopes)},
                                       {"team_mapping", mapping_array(mapping)},
                                       {"enabled", enabled},
                                       {"created_at", created_at}});
}

bool role_fits_team(IdentityStore& identity, const Team& team, std::string_view role) {
  if (team_role_permissions(role)) return true;
  if (!role.starts_with("role:")) return false;
  const auto custom = identity.find_role(role.substr(5));
  return custom && custom->org_id == team.org_id;
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

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto end = header.find(';');
    auto pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    auto value = pair.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return std::nullopt;
}

// ------------------------------------------------------------------------------ providers

std::optional<OidcService::Provider> OidcService::find_provider(std::string_view id) {
  const auto rows = deps_.db.query(
      "SELECT " + std::string(kProviderColumns) + " FROM oidc_providers WHERE id = ?",
      {std::string(id)});
  if (rows.empty()) return std::nullopt;
  const auto& row = rows.front();
  Provider provider;
  provider.id = row.text(0);
  provider.name = row.text(1);
  provider.issuer = row.text(2);
  provider.client_id = row.text(3);
  provider.client_secret_sealed = row.text(4);
  provider.redirect_uri = row.text(5);
  provider.scopes = json::stored_string_list(row.text(6));
  provider.team_mapping = mapping_from_json(row.text(7));
  provider.enabled = row.integer(8) != 0;
  provider.created_at = row.text(9);
  return provider;
}

asio::awaitable<std::string> OidcService::create_provider(object body) {
  json::only_fields(body, {"name", "issuer", "client_id", "client_secret", "redirect_uri", "scopes",
                     "team_mapping", "enabled"});
  Provider provider;
  provider.id = random_hex(16);
  provider.name = bounded(body, "name", kMaxNameBytes, no_controls);
  provider.issuer = bounded(body, "issuer", kMaxUrlBytes, vschars);
  provider.client_id = bounded(body, "client_id", kMaxClientIdBytes, vschars);
  const auto secret = bounded(body, "client_secret", kMaxClientSecretBytes, vschars);
  provider.redirect_uri = bounded(body, "redirect_uri", kMaxUrlBytes, vschars);
  if (!oidc::is_http_url(provider.redirect_uri)) {
    throw Error::invalid("oidc_invalid_redirect_uri",
                         "redirect_uri must be an absolute http(s) URL without a fragment.");
  }
  provider.scopes = parse_scopes(body);
  provider.team_mapping = parse_mapping_body(body);
  provider.enabled = json::optional_bool(body, "enabled").value_or(true);
  provider.created_at = now_rfc3339();
  provider.client_secret_sealed = deps_.secrets.seal(secret, "oidc:" + provider.id);

  // Discovery proves the issuer answers as itself before anyone can be sent there.
  auto discover = [issuer = provider.issuer] { return oidc::discover(issuer); };
  auto metadata = co_await deps_.provider_pool.run(discover);

  auto insert = [this, &provider] {
    deps_.db.transaction([&](store::Database& tx) {
      for (const auto& mapping : provider.team_mapping) {
        const auto team = deps_.identity.find_team(mapping.team_id);
        if (!team) {
          throw Error::invalid("invalid_team_mapping",
                               "team_mapping names a team that does not exist: " + mapping.team_id);
        }
        if (!role_fits_team(deps_.identity, *team, mapping.role)) {
          throw Error::invalid("invalid_role",
                               "Team roles are admin, developer, operator, viewer or "
                               "role:<custom role id> of the team's organization.");
        }
      }
      try {
        tx.execute(
            "INSERT INTO oidc_providers (id, name, issuer, client_id, client_secret, redirect_uri, "
            "scopes, team_mapping, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {provider.id, provider.name, provider.issuer, provider.client_id,
             provider.client_secret_sealed, provider.redirect_uri,
             boost::json::serialize(scopes_array(provider.scopes)),
             boost::json::serialize(mapping_array(provider.team_mapping)),
             std::int64_t{provider.enabled ? 1 : 0}, provider.created_at});
      } catch (const Error& error) {
        if (error.code() != "unique_violation") throw;
        throw Error::conflict("oidc_provider_exists", "A sign-in provider with that name exists.");
      }
    });
  };
  co_await deps_.db_pool.run(insert);
  {
    const std::lock_guard lock(cache_mutex_);
    cache_[provider.id] =
        Cached{provider.issuer, std::move(metadata), std::chrono::steady_clock::now(), nullptr};
  }
  co_return provider_json(provider.id, provider.name, provider.issuer, provider.client_id,
                          provider.redirect_uri, provider.scopes, provider.team_mapping,
                          provider.enabled, provider.created_at);
}

asio::awaitable<std::string> OidcService::list_providers() {
  auto list = [this] {
    std::string out = R"({"items":[)";
    bool first = true;
    for (const auto& row : deps_.db.query("SELECT " + std::string(kProviderColumns) +
                                          " FROM oidc_providers ORDER BY name")) {
      if (!first) out += ',';
      first = false;
      out += provider_json(row.text(0), row.text(1), row.text(2), row.text(3), row.text(5),
                           json::stored_string_list(row.text(6)), mapping_from_json(row.text(7)),
                           row.integer(8) != 0, row.text(9));
    }
    return out + R"(],"next_cursor":null})";
  };
  co_return co_await deps_.db_pool.run(list);
}

asio::awaitable<std::string> OidcService::public_providers() {
  auto list = [this] {
    array items;
    for (const auto& row :
         deps_.db.query("SELECT id, name FROM oidc_providers WHERE enabled = 1 ORDER BY name")) {
      items.emplace_back(object{{"id", row.text(0)}, {"name", row.text(1)}});
    }
    return boost::json::serialize(object{{"items", items}, {"next_cursor", nullptr}});
  };
  co_return co_await deps_.db_pool.run(list);
}

asio::awaitable<void> OidcService::delete_provider(std::string id) {
  auto remove = [this, &id] {
    bool removed = false;
    deps_.db.transaction([&](store::Database& tx) {
      removed = tx.execute("DELETE FROM oidc_providers WHERE id = ?", {id}) == 1;
      tx.execute("DELETE FROM oidc_logins WHERE provider_id = ?", {id});
    });
    return removed;
  };
  if (!co_await deps_.db_pool.run(remove)) throw provider_not_found();
  const std::lock_guard lock(cache_mutex_);
  cache_.erase(id);
}

asio::awaitable<oidc::ProviderMetadata> OidcService::metadata_for(const Provider& provider) {
  {
    const std::lock_guard lock(cache_mutex_);
    const auto found = cache_.find(provider.id);
    if (found != cache_.end() && found->second.issuer == provider.issuer &&
        std::chrono::steady_clock::now() - found->second.fetched_at < kMetadataTtl) {
      co_return found->second.metadata;
    }
  }
  auto discover = [issuer = provider.issuer] { return oidc::discover(issuer); };
  auto metadata = co_await deps_.provider_pool.run(discover);
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
    const Provider& provider, const oidc::ProviderMetadata& metadata, bool refresh) {
  if (!refresh) {
    const std::lock_guard lock(cache_mutex_);
    const auto found = cache_.find(provider.id);
    if (found != cache_.end() && found->second.keys &&
        found->second.metadata.jwks_uri == metadata.jwks_uri) {
      co_return found->second.keys;
    }
  }
  auto fetch = [metadata] {
    return std::make_shared<const oidc::JwkSet>(oidc::fetch_jwks(metadata));
  };
  auto keys = co_await deps_.provider_pool.run(fetch);
  const std::lock_guard lock(cache_mutex_);
  auto& entry = cache_[provider.id];
  if (entry.issuer == provider.issuer && entry.metadata.jwks_uri == metadata.jwks_uri) {
    entry.keys = keys;
  }
  co_return keys;
}

// ------------------------------------------------------------------------------ the flow

bool OidcService::admit_start(const std::string& address) {
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
  auto find = [this, &provider_id] { return find_provider(provider_id); };
  const auto provider = co_await deps_.db_pool.run(find);
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

  auto store = [this, &provider, &request, &out] {
    const auto now = Clock::now();
    deps_.db.execute("DELETE FROM oidc_logins WHERE expires_at < ?", {format_rfc3339(now)});
    const auto pending = deps_.db.query("SELECT COUNT(*) FROM oidc_logins");
    if (!pending.empty() && pending.front().integer(0) >= kOidcMaxPendingLogins) {
      throw Error(ErrorKind::rate_limited, "oidc_too_many_logins",
                  "Too many sign-ins are in progress; try again in a few minutes.");
    }
    deps_.db.execute(
        "INSERT INTO oidc_logins (state_hash, provider_id, nonce, code_verifier, redirect_uri, "
        "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        {login_key(out.binding, request.state), provider->id, request.nonce, request.code_verifier,
         provider->redirect_uri, format_rfc3339(now + std::chrono::seconds(kOidcLoginTtlSeconds))});
  };
  co_await deps_.db_pool.run(store);
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
  object detail{{"provider_id", attempt.provider_id}, {"provider", attempt.provider_name}};
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

  // The pending login is read and deleted in one go: whoever deletes it owns it, so a state
  // (and the code that came with it) is good for one callback only.
  const auto key = login_key(*binding, *state);
  auto consume = [this, &key]() -> std::optional<PendingLogin> {
    const auto rows = deps_.db.query(
        "SELECT provider_id, nonce, code_verifier, redirect_uri, expires_at FROM oidc_logins "
        "WHERE state_hash = ?",
        {key});
    if (rows.empty()) return std::nullopt;
    if (deps_.db.execute("DELETE FROM oidc_logins WHERE state_hash = ?", {key}) != 1) {
      return std::nullopt;
    }
    const auto& row = rows.front();
    return PendingLogin{row.text(0), row.text(1), row.text(2), row.text(3), row.text(4)};
  };
  const auto login = co_await deps_.db_pool.run(consume);
  if (!login) throw state_mismatch();
  attempt.provider_id = login->provider_id;
  if (login->expires_at <= now_rfc3339()) {
    throw Error(ErrorKind::unauthorized, "oidc_login_expired",
                "The sign-in took too long; please start again.");
  }

  auto find = [this, &login] { return find_provider(login->provider_id); };
  const auto provider = co_await deps_.db_pool.run(find);
  if (!provider || !provider->enabled) {
    throw Error(ErrorKind::unauthorized, "oidc_provider_disabled",
                "This sign-in provider is no longer available.");
  }
  attempt.provider_name = provider->name;

  const auto metadata = co_await metadata_for(*provider);
  const auto code = oidc::authorization_code_from_callback(metadata, *state, query);
  auto exchange = [this, &provider, &metadata, &code, &login] {
    const auto secret = deps_.secrets.open(provider->client_secret_sealed, "oidc:" + provider->id);
    return oidc::exchange_code(metadata, provider->client_id, secret, code, login->redirect_uri,
                               login->code_verifier);
  };
  const auto tokens = co_await deps_.provider_pool.run(exchange);

  auto keys = co_await keys_for(*provider, metadata, false);
  std::optional<oidc::IdTokenClaims> claims;
  bool unknown_key = false;
  try {
    claims = oidc::verify_id_token(tokens.id_token, *keys, metadata.issuer, provider->client_id,
                                   login->nonce, unix_now());
  } catch (const Error& error) {
    if (error.code() != "oidc_unknown_key") throw;
    unknown_key = true;
  }
  if (unknown_key) {
    // The provider may have rotated its keys since we fetched them: once more, not in a loop.
    keys = co_await keys_for(*provider, metadata, true);
    claims = oidc::verify_id_token(tokens.id_token, *keys, metadata.issuer, provider->client_id,
                                   login->nonce, unix_now());
  }
  attempt.subject = claims->sub;
  attempt.username = claims->preferred_username;

  auto enter = [this, &provider, &metadata, &claims, &client, &attempt] {
    auto user = deps_.identity.find_user_by_oidc(metadata.issuer, claims->sub);
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
    deps_.identity.touch_login(user->id);
    return deps_.sessions.open_session(user->id, "oidc", client);
  };
  co_return co_await deps_.db_pool.run(enter);
}

User OidcService::provision(const oidc::IdTokenClaims& claims, const std::string& issuer) {
  const auto base = oidc_username_base(claims);
  for (int attempt = 0;; ++attempt) {
    auto candidate = oidc_username_candidate(base, attempt);
    if (!candidate) {
      // Twenty namesakes: fall back to a random suffix rather than give up.
      const std::string suffix = "-" + random_hex(4);
      candidate = base.substr(0, kMaxUsernameBytes - suffix.size()) + suffix;
      if (attempt > 40) throw Error::internal_error("no free username for an OpenID account");
    }
    if (deps_.identity.find_user_by_username(*candidate)) continue;
    User user;
    user.id = random_hex(16);
    user.username = *candidate;
    user.email = claims.email_verified ? clip(claims.email, kMaxProfileBytes) : "";
    user.display_name = clip(claims.name, kMaxProfileBytes);
    user.oidc_provider = issuer;
    user.oidc_subject = claims.sub;
    user.created_at = user.updated_at = now_rfc3339();
    try {
      deps_.identity.insert_user(user);
      return user;
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::conflict) throw;
      // Either the name was taken a moment ago, or the same person's first sign-in ran twice.
      if (auto existing = deps_.identity.find_user_by_oidc(issuer, claims.sub)) return *existing;
    }
  }
}

void OidcService::apply_team_mapping(const Provider& provider, const User& user,
                                     const oidc::IdTokenClaims& claims) {
  for (const auto& [team_id, role] :
       mapped_team_roles(provider.team_mapping, claims.raw_claims_json)) {
    const auto team = deps_.identity.find_team(team_id);
    if (!team || !role_fits_team(deps_.identity, *team, role)) {
      deps_.logger.warn("oidc team mapping skipped: the team or role no longer exists",
                        {{"provider_id", provider.id}, {"team_id", team_id}, {"role", role}});
      continue;
    }
    const auto current = deps_.db.query(
        "SELECT role FROM team_members WHERE team_id = ? AND user_id = ?", {team_id, user.id});
    if (!current.empty() && current.front().text(0) == role) continue;
    deps_.identity.put_team_member(team_id, user.id, role);
  }
}

}  // namespace dokkerr::auth
