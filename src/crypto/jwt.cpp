#include "crypto/jwt.hpp"

#include "core/error.hpp"
#include "core/strict_json.hpp"
#include "crypto/key_files.hpp"
#include "crypto/primitives.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <vector>

namespace dokkerr::crypto {
namespace {

constexpr std::size_t kMaxTokenSize = 8192;
constexpr std::size_t kMaxKidSize = 64;
constexpr std::size_t kKidBytes = 8;
constexpr std::size_t kHmacKeyBytes = 32;
constexpr std::size_t kHmacBytes = 32;
constexpr std::size_t kEd25519SignatureBytes = 64;
constexpr std::size_t kEd25519PublicKeyBytes = 32;
constexpr std::size_t kMaxKeyFileSize = 4096;
constexpr std::size_t kMaxMembers = 16;
// Idle HMAC contexts kept per key: about one per thread that verifies at the same time.
constexpr std::size_t kMaxIdleMacContexts = 16;
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

[[noreturn]] void refuse(std::string reason) {
  throw Error(ErrorKind::unauthorized, "invalid_token", "The token is not valid.",
              "JWT refused: " + std::move(reason));
}

std::string_view algorithm_name(JwtAlgorithm algorithm) {
  return algorithm == JwtAlgorithm::hs256 ? "HS256" : "EdDSA";
}

std::int64_t saturating_add(std::int64_t a, std::int64_t non_negative) {
  return a > kNever - non_negative ? kNever : a + non_negative;
}

// ---- JSON ---------------------------------------------------------------------------------
// Header, claims and key metadata are flat objects read with the strict parser (Boost.JSON,
// duplicate keys refused at every depth): a token whose header or claims could be read two ways
// is refused, never read one of them.

constexpr std::size_t kMaxJsonDepth = 8;

// The object `text` holds when it is exactly one JSON object of at most 16 members with
// distinct keys; nullopt otherwise.
std::optional<boost::json::object> flat_object(std::string_view text) {
  try {
    auto value = json::parse_strict(text, kMaxJsonDepth);
    if (!value.is_object() || value.as_object().size() > kMaxMembers) return std::nullopt;
    return std::move(value.as_object());
  } catch (const Error&) {
    return std::nullopt;
  }
}

// ---- OpenSSL handles --------------------------------------------------------------------------

struct OpenSslFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslFree>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, OpenSslFree>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree>;

[[noreturn]] void openssl_failure(const char* what) {
  ERR_clear_error();
  throw std::runtime_error(std::string("JWT: ") + what + " failed");
}

EVP_MAC* hmac_algorithm() {
  // Fetched once per process: a fetch per token costs as much as the MAC itself.
  static EVP_MAC* const mac = [] {
    EVP_MAC* fetched = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (fetched == nullptr) openssl_failure("EVP_MAC_fetch(HMAC)");
    return fetched;
  }();
  return mac;
}

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// ---- Keys -------------------------------------------------------------------------------------

class Key {
 public:
  Key() = default;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  ~Key() {
    for (EVP_MAC_CTX* ctx : idle_) EVP_MAC_CTX_free(ctx);
  }

  std::string kid;
  std::int64_t created = 0;
  std::int64_t serial = 0;
  std::string encoded_header;  // base64url of the JOSE header, ready for sign()
  MacCtxPtr mac;               // HS256: initialized with the secret; copied, never used directly
  PkeyPtr pkey;                // EdDSA: the private key (its public half verifies)
  std::string public_key;      // EdDSA: raw 32 bytes, for the JWKS

  // HMAC-SHA256 under this key. Contexts are recycled: restarting a keyed context costs half of
  // copying one and a third of HMAC() from scratch, which would not fit the verify budget.
  [[nodiscard]] std::array<unsigned char, kHmacBytes> hmac(std::string_view data) const {
    MacCtxPtr ctx;
    {
      const std::lock_guard lock(idle_mutex_);
      if (!idle_.empty()) {
        ctx.reset(idle_.back());
        idle_.pop_back();
      }
    }
    if (!ctx) {
      ctx.reset(EVP_MAC_CTX_dup(mac.get()));
      if (!ctx) openssl_failure("EVP_MAC_CTX_dup");
    }
    std::array<unsigned char, kHmacBytes> out{};
    std::size_t length = 0;
    // A null key restarts the MAC with the key the context already holds.
    if (EVP_MAC_init(ctx.get(), nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(ctx.get(), bytes_of(data), data.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out.data(), &length, out.size()) != 1 || length != out.size()) {
      openssl_failure("HMAC-SHA256");
    }
    const std::lock_guard lock(idle_mutex_);
    if (idle_.size() < kMaxIdleMacContexts) idle_.push_back(ctx.release());
    return out;
  }

 private:
  mutable std::mutex idle_mutex_;
  mutable std::vector<EVP_MAC_CTX*> idle_;
};

std::string ed25519_sign(const Key& key, std::string_view data) {
  const MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string signature(kEd25519SignatureBytes, '\0');
  std::size_t length = signature.size();
  if (!ctx ||
      EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key.pkey.get(),
                            nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     bytes_of(data), data.size()) != 1 ||
      length != signature.size()) {
    openssl_failure("Ed25519 signing");
  }
  return signature;
}

bool ed25519_verify(const Key& key, std::string_view data, std::string_view signature) {
  const MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key.pkey.get(),
                                      nullptr) != 1) {
    openssl_failure("EVP_DigestVerifyInit_ex");
  }
  const int result = EVP_DigestVerify(ctx.get(), bytes_of(signature), signature.size(),
                                      bytes_of(data), data.size());
  if (result != 1) ERR_clear_error();  // a bad signature leaves an entry on the error queue
  return result == 1;
}

// The key file's bytes for a new random key.
std::string generate_material(JwtAlgorithm algorithm) {
  if (algorithm == JwtAlgorithm::hs256) return hex_encode(random_bytes(kHmacKeyBytes)) + "\n";
  const PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!pkey || !bio ||
      PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    openssl_failure("Ed25519 key generation");
  }
  std::string pem;
  std::array<char, 512> chunk{};
  for (int n = 0; (n = BIO_read(bio.get(), chunk.data(), static_cast<int>(chunk.size()))) > 0;) {
    pem.append(chunk.data(), static_cast<std::size_t>(n));
  }
  OPENSSL_cleanse(chunk.data(), chunk.size());
  return pem;
}

std::shared_ptr<const Key> make_key(JwtAlgorithm algorithm, const std::string& kid,
                                    std::int64_t created, std::int64_t serial,
                                    std::string_view material, const std::filesystem::path& file) {
  auto key = std::make_shared<Key>();
  key->kid = kid;
  key->created = created;
  key->serial = serial;
  key->encoded_header = base64url_encode(R"({"alg":")" + std::string(algorithm_name(algorithm)) +
                                         R"(","typ":"JWT","kid":")" + kid + R"("})");
  if (algorithm == JwtAlgorithm::hs256) {
    while (!material.empty() && (material.back() == '\n' || material.back() == '\r')) {
      material.remove_suffix(1);
    }
    std::string secret = hex_decode(material).value_or(std::string());
    if (secret.size() != kHmacKeyBytes) {
      OPENSSL_cleanse(secret.data(), secret.size());
      throw std::runtime_error("JWT key file " + file.string() +
                               " is not an HS256 key (64 hex characters)");
    }
    std::string digest = "SHA256";
    const std::array<OSSL_PARAM, 2> params = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest.data(), 0),
        OSSL_PARAM_construct_end()};
    key->mac.reset(EVP_MAC_CTX_new(hmac_algorithm()));
    const bool ok = key->mac && EVP_MAC_init(key->mac.get(), bytes_of(secret), secret.size(),
                                             params.data()) == 1;
    OPENSSL_cleanse(secret.data(), secret.size());
    if (!ok) openssl_failure("HMAC key setup");
    return key;
  }
  const BioPtr bio(BIO_new_mem_buf(material.data(), static_cast<int>(material.size())));
  if (!bio) openssl_failure("BIO_new_mem_buf");
  key->pkey.reset(
      PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, nullptr, nullptr, nullptr, nullptr));
  if (!key->pkey || EVP_PKEY_is_a(key->pkey.get(), "ED25519") != 1) {
    ERR_clear_error();
    throw std::runtime_error("JWT key file " + file.string() +
                             " is not an Ed25519 PKCS#8 PEM private key");
  }
  std::array<unsigned char, kEd25519PublicKeyBytes> raw{};
  std::size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key->pkey.get(), raw.data(), &length) != 1 ||
      length != raw.size()) {
    openssl_failure("EVP_PKEY_get_raw_public_key");
  }
  key->public_key.assign(reinterpret_cast<const char*>(raw.data()), raw.size());
  return key;
}

// retire_at: when the key stops verifying (superseded + overlap); kNever for the signer.
struct Entry {
  std::shared_ptr<const Key> key;
  std::int64_t retire_at = kNever;
};

// Oldest first; back() signs. Immutable once published: rotate() builds a new one.
struct KeySet {
  std::vector<Entry> entries;
};

bool is_kid(std::string_view text) {
  return text.size() == 2 * kKidBytes && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// What a token may name: base64url characters, at most 64. Lookup is in memory only, but a kid
// that could not be ours is refused before it reaches anything.
bool is_plausible_kid(std::string_view text) {
  return !text.empty() && text.size() <= kMaxKidSize &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '-' || c == '_';
         });
}

// The slow path for a header that is not byte for byte one of ours: it must still say exactly
// what sign() writes (typ may be left out). Anything else (crit, jku, jwk, x5u, ...) is refused
// rather than half-understood.
// nullptr when the header is well formed but names a kid this ring does not hold.
const Entry* find_key_by_header(const KeySet& keys, JwtAlgorithm algorithm,
                                std::string_view header_text) {
  const auto header = base64url_decode(header_text);
  if (!header) refuse("header is not canonical base64url");
  const auto header_object = flat_object(*header);
  if (!header_object) refuse("header is not a JSON object with distinct keys");
  std::optional<std::string_view> alg;
  std::optional<std::string_view> kid;
  for (const auto& member : *header_object) {
    const std::string_view name = member.key();
    if (name != "alg" && name != "kid" && name != "typ") refuse("unexpected header parameter");
    const auto* text = member.value().if_string();
    if (text == nullptr) refuse("header parameter is not a string");
    if (name == "alg") alg = *text;
    if (name == "kid") kid = *text;
    if (name == "typ" && *text != "JWT") refuse("header typ is not JWT");
  }
  if (!alg) refuse("alg missing");
  // The ring's algorithm decides, never the token's: this is what defeats "none" and
  // HS256-with-the-public-key.
  if (*alg != algorithm_name(algorithm)) refuse("alg is not the configured algorithm");
  if (!kid) refuse("kid missing");
  if (!is_plausible_kid(*kid)) refuse("kid malformed");
  const auto entry = std::find_if(keys.entries.begin(), keys.entries.end(),
                                  [&](const Entry& e) { return e.key->kid == *kid; });
  if (entry == keys.entries.end()) return nullptr;
  return &*entry;
}

// Claim names are three letters; packing them into an integer lets one switch pick the claim.
constexpr std::uint32_t claim_name(std::string_view name) {
  if (name.size() != 3) return 0;
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(name[0])) << 16U) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(name[1])) << 8U) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(name[2]));
}

std::filesystem::path key_path(const std::filesystem::path& dir, const std::string& kid) {
  return dir / (kid + ".key");
}
std::filesystem::path metadata_path(const std::filesystem::path& dir, const std::string& kid) {
  return dir / (kid + ".json");
}

void remove_key_files(const std::filesystem::path& dir, const std::string& kid) {
  // The key goes first: an orphaned metadata file is harmless and removed by the next load.
  std::error_code ignored;
  std::filesystem::remove(key_path(dir, kid), ignored);
  std::filesystem::remove(metadata_path(dir, kid), ignored);
}

struct Metadata {
  std::int64_t created = 0;
  std::int64_t serial = 0;
};

Metadata read_metadata(const std::filesystem::path& file, JwtAlgorithm algorithm) {
  const std::string text = detail::read_private_file(file, kMaxKeyFileSize);
  std::string alg;
  std::optional<std::int64_t> created;
  std::optional<std::int64_t> serial;
  if (const auto object = flat_object(text)) {
    for (const auto& member : *object) {
      const std::string_view name = member.key();
      const auto& value = member.value();
      if (name == "alg" && value.is_string()) alg = value.as_string();
      if (name == "created" && value.is_int64()) created = value.as_int64();
      if (name == "serial" && value.is_int64()) serial = value.as_int64();
    }
  }
  if (alg.empty() || !created || !serial) {
    throw std::runtime_error("JWT key metadata " + file.string() +
                             " is not {\"alg\":..,\"created\":..,\"serial\":..}");
  }
  if (alg != algorithm_name(algorithm)) {
    throw std::runtime_error("JWT key metadata " + file.string() + " is for " + alg +
                             " but the server is configured for " +
                             std::string(algorithm_name(algorithm)) +
                             "; move the old keys away to switch algorithms");
  }
  return {*created, *serial};
}

}  // namespace

struct JwtKeyRing::Impl {
  std::filesystem::path dir;
  JwtAlgorithm algorithm = JwtAlgorithm::hs256;
  std::int64_t overlap = 0;
  std::mutex rotate_mutex;  // one rotation at a time
  mutable std::mutex keys_mutex;
  std::shared_ptr<const KeySet> keys;  // guarded by keys_mutex; the set itself is immutable

  [[nodiscard]] std::shared_ptr<const KeySet> snapshot() const {
    const std::lock_guard lock(keys_mutex);
    return keys;
  }
  void publish(std::shared_ptr<const KeySet> next) {
    const std::lock_guard lock(keys_mutex);
    keys = std::move(next);
  }

  // Defined below load_entries().
  bool reload(std::int64_t now);
  // At most one reload a second for tokens naming a kid we do not hold: a replica that has not
  // yet seen a rotation made elsewhere picks the new key up at once, and a flood of made-up
  // kids costs one directory read a second.
  std::atomic<std::int64_t> last_unknown_kid_reload{0};
  bool unknown_kid_reload_due(std::int64_t now) {
    auto last = last_unknown_kid_reload.load();
    return now > last && last_unknown_kid_reload.compare_exchange_strong(last, now);
  }

  // Writes a new key to disk and returns it. Metadata first, then the key (the commit point):
  // a crash in between leaves an orphaned metadata file, never a key without its creation time.
  [[nodiscard]] std::shared_ptr<const Key> create_key(std::int64_t created,
                                                      std::int64_t serial) const {
    const std::string kid = hex_encode(random_bytes(kKidBytes));
    std::string material = generate_material(algorithm);
    auto key = make_key(algorithm, kid, created, serial, material, key_path(dir, kid));
    detail::write_private_file(metadata_path(dir, kid),
                               R"({"alg":")" + std::string(algorithm_name(algorithm)) +
                                   R"(","created":)" + std::to_string(created) + R"(,"serial":)" +
                                   std::to_string(serial) + "}\n");
    detail::write_private_file(key_path(dir, kid), material);
    OPENSSL_cleanse(material.data(), material.size());
    return key;
  }
};

// Reads every key in dir, oldest first, deleting what a crash left half written and keys
// whose overlap ended by `now`.
static std::vector<Entry> load_entries(const std::filesystem::path& dir, JwtAlgorithm algorithm,
                                       std::int64_t overlap, std::int64_t now) {
  struct Found {
    bool key = false;
    bool metadata = false;
  };
  std::map<std::string, Found> found;
  for (const auto& item : std::filesystem::directory_iterator(dir)) {
    const std::string name = item.path().filename().string();
    if (detail::is_temporary_name(name)) {  // left by a write that a crash interrupted
      std::filesystem::remove(item.path());
      continue;
    }
    const auto dot = name.find('.');
    if (dot == std::string::npos || !is_kid(name.substr(0, dot))) continue;
    const std::string_view suffix = std::string_view(name).substr(dot);
    if (suffix == ".key") found[name.substr(0, dot)].key = true;
    if (suffix == ".json") found[name.substr(0, dot)].metadata = true;
  }

  std::vector<Entry> entries;
  for (const auto& [kid, files] : found) {
    if (!files.key) {
      remove_key_files(dir, kid);
      continue;
    }
    // A key without metadata was not written by a rotation (those write metadata first); it is
    // taken as the oldest key, created at the epoch.
    const Metadata metadata =
        files.metadata ? read_metadata(metadata_path(dir, kid), algorithm) : Metadata{};
    std::string material = detail::read_private_file(key_path(dir, kid), kMaxKeyFileSize);
    entries.push_back({make_key(algorithm, kid, metadata.created, metadata.serial, material,
                                key_path(dir, kid))});
    OPENSSL_cleanse(material.data(), material.size());
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.key->serial, a.key->created, a.key->kid) <
           std::tie(b.key->serial, b.key->created, b.key->kid);
  });
  // A key was superseded when its successor was created.
  for (std::size_t i = 0; i + 1 < entries.size(); ++i) {
    entries[i].retire_at = saturating_add(entries[i + 1].key->created, overlap);
  }
  std::erase_if(entries, [&](const Entry& entry) {
    if (entry.retire_at > now) return false;
    remove_key_files(dir, entry.key->kid);
    return true;
  });
  return entries;
}

bool JwtKeyRing::Impl::reload(std::int64_t now) {
  const std::lock_guard rotation(rotate_mutex);
  auto entries = load_entries(dir, algorithm, overlap, now);
  if (entries.empty()) return false;  // the keys vanished from disk: keep serving with ours
  const auto current = snapshot();
  const auto same =
      std::equal(entries.begin(), entries.end(), current->entries.begin(), current->entries.end(),
                 [](const Entry& a, const Entry& b) { return a.key->kid == b.key->kid; });
  if (same) return false;
  auto next = std::make_shared<KeySet>();
  next->entries = std::move(entries);
  publish(std::move(next));
  return true;
}

bool JwtKeyRing::reload(std::int64_t now) {
  return impl_->reload(now);
}

JwtKeyRing::JwtKeyRing(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JwtKeyRing::JwtKeyRing(JwtKeyRing&&) noexcept = default;
JwtKeyRing& JwtKeyRing::operator=(JwtKeyRing&&) noexcept = default;
JwtKeyRing::~JwtKeyRing() = default;

JwtKeyRing JwtKeyRing::load_or_create(const std::filesystem::path& dir, JwtAlgorithm algorithm,
                                      std::int64_t now, std::int64_t overlap_seconds) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->algorithm = algorithm;
  impl->overlap = std::max<std::int64_t>(overlap_seconds, 0);
  detail::ensure_private_directory(dir, true);

  auto entries = load_entries(dir, algorithm, impl->overlap, now);
  if (entries.empty()) entries.push_back({impl->create_key(now, 1)});

  auto keys = std::make_shared<KeySet>();
  keys->entries = std::move(entries);
  impl->keys = std::move(keys);
  return JwtKeyRing(std::move(impl));
}

void JwtKeyRing::rotate(std::int64_t now) {
  const std::lock_guard rotation(impl_->rotate_mutex);
  const auto current = impl_->snapshot();
  auto key = impl_->create_key(now, current->entries.back().key->serial + 1);
  auto next = std::make_shared<KeySet>(*current);
  next->entries.back().retire_at = saturating_add(now, impl_->overlap);
  next->entries.push_back({std::move(key)});
  std::vector<std::string> retired;
  std::erase_if(next->entries, [&](const Entry& entry) {
    if (entry.retire_at > now) return false;
    retired.push_back(entry.key->kid);
    return true;
  });
  impl_->publish(std::move(next));
  for (const auto& kid : retired) remove_key_files(impl_->dir, kid);
}

std::string JwtKeyRing::sign(const JwtClaims& claims) const {
  if (claims.iss.empty() || claims.aud.empty() || claims.sub.empty() || claims.sid.empty() ||
      claims.typ.empty()) {
    throw std::invalid_argument("JWT claims iss, aud, sub, sid and typ must not be empty");
  }
  const auto keys = impl_->snapshot();
  const Key& key = *keys->entries.back().key;
  const boost::json::object payload{{"iss", claims.iss}, {"aud", claims.aud}, {"sub", claims.sub},
                                    {"sid", claims.sid}, {"typ", claims.typ}, {"iat", claims.iat},
                                    {"exp", claims.exp}};
  std::string token = key.encoded_header;
  token += '.';
  token += base64url_encode(boost::json::serialize(payload));
  std::string signature;
  if (impl_->algorithm == JwtAlgorithm::hs256) {
    const auto mac = key.hmac(token);
    signature.assign(reinterpret_cast<const char*>(mac.data()), mac.size());
  } else {
    signature = ed25519_sign(key, token);
  }
  token += '.';
  token += base64url_encode(signature);
  return token;
}

JwtClaims JwtKeyRing::verify(std::string_view token, const JwtExpectations& expect) const {
  if (token.size() > kMaxTokenSize) refuse("longer than 8 KiB");
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    refuse("not three segments");
  }
  const auto header_text = token.substr(0, first);
  const auto payload_text = token.substr(first + 1, second - first - 1);
  const auto signature_text = token.substr(second + 1);
  if (header_text.empty() || payload_text.empty() || signature_text.empty()) {
    refuse("empty segment");
  }
  // base64url_decode tolerates '=' padding; JWS forbids it, and a token has one spelling only.
  if (token.find('=') != std::string_view::npos) refuse("padded base64url");

  auto keys = impl_->snapshot();
  const Entry* entry = nullptr;
  // Fast path: the header is byte for byte one that sign() writes, so there is nothing to decode
  // or parse. This is most of what keeps an HS256 verification within a few microseconds.
  for (const Entry& candidate : keys->entries) {
    if (candidate.key->encoded_header == header_text) entry = &candidate;
  }
  if (entry == nullptr) entry = find_key_by_header(*keys, impl_->algorithm, header_text);
  if (entry == nullptr && impl_->unknown_kid_reload_due(expect.now)) {
    // Perhaps another replica rotated the shared keys since we last looked.
    try {
      if (impl_->reload(expect.now)) {
        keys = impl_->snapshot();
        entry = find_key_by_header(*keys, impl_->algorithm, header_text);
      }
    } catch (const std::exception&) {
      entry = nullptr;  // an unreadable key directory changes nothing about this token
    }
  }
  if (entry == nullptr) refuse("unknown kid");
  if (expect.now >= entry->retire_at) refuse("kid retired");
  const Key& key = *entry->key;

  const auto signing_input = token.substr(0, second);
  if (impl_->algorithm == JwtAlgorithm::hs256) {
    // Comparing the text with the canonical encoding of the expected MAC also settles that the
    // signature segment is canonical, without decoding it.
    const auto mac = key.hmac(signing_input);
    if (!constant_time_equal(
            signature_text,
            base64url_encode({reinterpret_cast<const char*>(mac.data()), mac.size()}))) {
      const auto signature = base64url_decode(signature_text);
      if (!signature) refuse("signature is not canonical base64url");
      if (signature->size() != kHmacBytes) refuse("signature length");
      refuse("bad signature");
    }
  } else {
    const auto signature = base64url_decode(signature_text);
    if (!signature) refuse("signature is not canonical base64url");
    if (signature->size() != kEd25519SignatureBytes) refuse("signature length");
    if (!ed25519_verify(key, signing_input, *signature)) refuse("bad signature");
  }

  // Claims. Only sign() can have produced them by now; the checks below are about meaning
  // (this issuer, this audience, this kind of token, this time) and defence in depth.
  const auto payload = base64url_decode(payload_text);
  if (!payload) refuse("payload is not canonical base64url");
  const auto payload_object = flat_object(*payload);
  if (!payload_object) refuse("payload is not a JSON object with distinct keys");
  JwtClaims claims;
  unsigned seen = 0;
  auto text_claim = [&](const boost::json::key_value_pair& m, std::string& out, unsigned bit) {
    const auto* text = m.value().if_string();
    if (text == nullptr) refuse("claim " + std::string(m.key()) + " is not a string");
    out.assign(text->data(), text->size());
    seen |= bit;
  };
  auto integer_claim = [&](const boost::json::key_value_pair& m, std::int64_t& out, unsigned bit) {
    // Integers only: 1e9 or 1.5 parse as doubles, values past INT64_MAX as uint64.
    if (!m.value().is_int64()) refuse("claim " + std::string(m.key()) + " is not an integer");
    out = m.value().as_int64();
    seen |= bit;
  };
  for (const auto& m : *payload_object) {
    // Other claims are ignored: only our own signer could have added them.
    switch (claim_name(m.key())) {
      case claim_name("iss"):
        text_claim(m, claims.iss, 1U);
        break;
      case claim_name("aud"):
        text_claim(m, claims.aud, 2U);
        break;  // no arrays, see jwt.hpp
      case claim_name("sub"):
        text_claim(m, claims.sub, 4U);
        break;
      case claim_name("sid"):
        text_claim(m, claims.sid, 8U);
        break;
      case claim_name("typ"):
        text_claim(m, claims.typ, 16U);
        break;
      case claim_name("iat"):
        integer_claim(m, claims.iat, 32U);
        break;
      case claim_name("exp"):
        integer_claim(m, claims.exp, 64U);
        break;
      default:
        break;
    }
  }
  if (seen != 127U) refuse("a required claim is missing");
  if (claims.iss != expect.issuer) refuse("wrong iss");
  if (claims.aud != expect.audience) refuse("wrong aud");
  if (claims.typ != expect.type) refuse("wrong typ");
  if (claims.sub.empty() || claims.sid.empty()) refuse("empty sub or sid");
  if (claims.exp < claims.iat) refuse("exp before iat");
  const std::int64_t leeway = std::max<std::int64_t>(expect.leeway_seconds, 0);
  const std::int64_t ahead = std::max(leeway, expect.issued_ahead_seconds);
  if (claims.iat > saturating_add(expect.now, ahead)) refuse("iat in the future");
  // Last, so that "expired" is only ever said of a token that is otherwise good.
  if (saturating_add(claims.exp, leeway) <= expect.now) {
    throw Error(ErrorKind::unauthorized, "token_expired", "The token has expired.",
                "JWT refused: expired");
  }
  return claims;
}

JwtAlgorithm JwtKeyRing::algorithm() const {
  return impl_->algorithm;
}

std::string JwtKeyRing::current_kid() const {
  return impl_->snapshot()->entries.back().key->kid;
}

std::string JwtKeyRing::public_jwks() const {
  boost::json::array keys;
  if (impl_->algorithm == JwtAlgorithm::eddsa) {
    for (const Entry& entry : impl_->snapshot()->entries) {
      keys.push_back(boost::json::object{{"kty", "OKP"},
                                         {"crv", "Ed25519"},
                                         {"kid", entry.key->kid},
                                         {"x", base64url_encode(entry.key->public_key)},
                                         {"alg", "EdDSA"},
                                         {"use", "sig"}});
    }
  }
  return boost::json::serialize(boost::json::object{{"keys", std::move(keys)}});
}

}  // namespace dokkerr::crypto
