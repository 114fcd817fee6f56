#include "backup/platform_backup.hpp"

#include "backup/database_dump.hpp"
#include "backup/tar_pack.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "store/migrations.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <ctime>
#include <fstream>

namespace dokkerr::backup {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;

constexpr std::string_view kPrefix = "platform/";
constexpr std::size_t kMaxManifestBytes = std::size_t{1} << 20U;
constexpr std::size_t kMinPassphrase = 12;

Error corrupt(std::string internal) {
  return {ErrorKind::invalid, "backup_corrupt",
          "The backup archive is damaged or incomplete; nothing was changed.", std::move(internal)};
}

// A directory under the data dir for a backup's or restore's temporary files (so renames into
// place stay on one file system), removed on every way out.
class Staging {
 public:
  explicit Staging(const fs::path& data_dir)
      : path_(data_dir / (".staging-" + crypto::hex_encode(crypto::random_bytes(6)))) {
    fs::create_directories(path_);
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::replace);
  }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  ~Staging() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string backup_id(std::int64_t now_unix) {
  const auto time = static_cast<std::time_t>(now_unix);
  std::tm tm{};
  gmtime_r(&time, &tm);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &tm);
  return std::string(text.data()) + "-" + crypto::hex_encode(crypto::random_bytes(3));
}

bool valid_id(std::string_view id) {
  if (id.size() < 8 || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-';
  });
}

bj::object body_of(const BackupManifest& m, bool with_mac) {
  bj::array contents;
  for (const auto& file : m.contents) {
    contents.push_back(
        bj::object{{"name", file.name}, {"size", file.size}, {"sha256", file.sha256}});
  }
  bj::object out{
      {"format", m.format},
      {"kind", m.kind},
      {"id", m.id},
      {"created_at", m.created_at},
      {"dokkerr_version", m.dokkerr_version},
      {"schema_version", m.schema_version},
      {"database", m.database},
      {"archive",
       bj::object{{"key", m.archive_key}, {"size", m.archive_size}, {"sha256", m.archive_sha256}}},
      {"kdf", bj::object{{"algorithm", "argon2id"},
                         {"memory_kib", m.kdf.memory_kib},
                         {"passes", m.kdf.passes},
                         {"lanes", m.kdf.lanes},
                         {"salt", m.salt_hex}}},
      {"contents", std::move(contents)},
  };
  if (with_mac) out["mac"] = m.mac_hex;
  return out;
}

// The HMAC covers the manifest serialized without its mac, from the parsed fields: rebuilding
// the same object from what was read gives the same bytes.
std::string mac_of(const BackupManifest& m, std::string_view mac_key) {
  return crypto::hex_encode(crypto::hmac_sha256(mac_key, bj::serialize(body_of(m, false))));
}

std::string archive_key_of(std::string_view id) {
  return std::string(kPrefix) + std::string(id) + "/archive.dkb";
}
std::string manifest_key_of(std::string_view id) {
  return std::string(kPrefix) + std::string(id) + "/manifest.json";
}

// keys/ under the data dir, recursively, as archive names and paths.
std::vector<std::pair<std::string, fs::path>> key_files(const fs::path& data_dir) {
  std::vector<std::pair<std::string, fs::path>> out;
  const auto keys = data_dir / "keys";
  std::error_code ec;
  if (!fs::is_directory(keys, ec)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(keys)) {
    if (!entry.is_regular_file()) continue;
    out.emplace_back("keys/" + entry.path().lexically_relative(keys).string(), entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

int current_schema(store::Database& db) {
  const auto rows = db.query("SELECT MAX(version) FROM schema_migrations");
  return rows.empty() ? 0 : static_cast<int>(rows.front().integer(0));
}

std::string sha256_of_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  crypto::Sha256Stream sha;
  std::string buffer(std::size_t{1} << 20U, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    sha.update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  return sha.hex();
}

bool directory_is_empty(const fs::path& dir) {
  std::error_code ec;
  return !fs::exists(dir, ec) || (fs::is_directory(dir, ec) && fs::is_empty(dir, ec));
}

}  // namespace

std::string manifest_json(const BackupManifest& manifest) {
  return bj::serialize(body_of(manifest, true));
}

BackupManifest parse_manifest(std::string_view json) {
  try {
    const auto value = bj::parse(json);
    const auto& o = value.as_object();
    BackupManifest m;
    m.format = static_cast<int>(o.at("format").as_int64());
    m.kind = o.at("kind").as_string();
    m.id = o.at("id").as_string();
    m.created_at = o.at("created_at").as_string();
    m.dokkerr_version = o.at("dokkerr_version").as_string();
    m.schema_version = static_cast<int>(o.at("schema_version").as_int64());
    m.database = o.at("database").as_string();
    const auto& archive = o.at("archive").as_object();
    m.archive_key = archive.at("key").as_string();
    m.archive_size = archive.at("size").to_number<std::uint64_t>();
    m.archive_sha256 = archive.at("sha256").as_string();
    const auto& kdf = o.at("kdf").as_object();
    if (kdf.at("algorithm").as_string() != "argon2id") throw corrupt("unknown kdf");
    m.kdf.memory_kib = kdf.at("memory_kib").to_number<std::uint32_t>();
    m.kdf.passes = kdf.at("passes").to_number<std::uint32_t>();
    m.kdf.lanes = kdf.at("lanes").to_number<std::uint32_t>();
    m.salt_hex = kdf.at("salt").as_string();
    for (const auto& item : o.at("contents").as_array()) {
      const auto& file = item.as_object();
      m.contents.push_back({std::string(file.at("name").as_string()),
                            file.at("size").to_number<std::uint64_t>(),
                            std::string(file.at("sha256").as_string())});
    }
    m.mac_hex = o.at("mac").as_string();
    return m;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw corrupt(std::string("manifest unreadable: ") + e.what());
  }
}

BackupManifest create_platform_backup(const PlatformBackupSource& source,
                                      objects::ObjectStore& store,
                                      const PlatformBackupOptions& options) {
  if (options.passphrase.size() < kMinPassphrase) {
    throw Error::invalid("backup_passphrase_weak",
                         "The backup passphrase must be at least 12 characters.");
  }
  BackupManifest manifest;
  manifest.id = backup_id(options.now_unix);
  manifest.created_at = format_rfc3339(TimePoint(std::chrono::seconds(options.now_unix)));
  manifest.dokkerr_version = DOKKERR_VERSION;
  manifest.database = std::string(source.db.backend());
  manifest.archive_key = archive_key_of(manifest.id);
  manifest.kdf = options.kdf;
  const std::string salt = crypto::random_bytes(16);
  manifest.salt_hex = crypto::hex_encode(salt);
  const auto keys = derive_backup_keys(options.passphrase, salt, options.kdf);

  // What a backup killed mid-way (kill -9, power loss) left: uploads begun an hour ago or more
  // and never completed; a backup that is still running touched its own within that hour.
  store.drop_abandoned_uploads(kPrefix, options.now_unix - 3600);
  const Staging staging(source.data_dir);
  manifest.schema_version = current_schema(source.db);
  const auto dump_name = dump_database(source.db, source.database_url, staging.path());

  auto writer = store.create(manifest.archive_key);
  try {
    crypto::Sha256Stream archive_sha;
    std::uint64_t archive_size = 0;
    SealedWriter sealed(keys, salt, options.kdf, [&](std::string_view bytes) {
      archive_sha.update(bytes);
      archive_size += bytes.size();
      writer->write(bytes);
    });
    TarGzWriter tar([&](std::string_view bytes) { sealed.write(bytes); });
    const auto add = [&](const std::string& name, const fs::path& file) {
      const auto size = fs::file_size(file);
      manifest.contents.push_back({name, size, tar.add_file(name, file)});
    };
    add("database/" + dump_name, staging.path() / dump_name);
    for (const auto& [name, path] : key_files(source.data_dir)) add(name, path);
    // The archive describes itself too, so a copy without its manifest can still be examined.
    tar.add_bytes("backup.json", bj::serialize(body_of(manifest, false)));
    tar.finish();
    sealed.finish();
    writer->commit();
    manifest.archive_size = archive_size;
    manifest.archive_sha256 = archive_sha.hex();
  } catch (...) {
    writer->abort();
    throw;
  }
  manifest.mac_hex = mac_of(manifest, keys.manifest);
  store.put(manifest_key_of(manifest.id), manifest_json(manifest));
  return manifest;
}

std::vector<BackupManifest> list_platform_backups(objects::ObjectStore& store, std::size_t limit) {
  std::vector<std::string> ids;
  std::optional<std::string> cursor;
  do {
    const auto page = store.list(kPrefix, cursor, 1000);
    for (const auto& item : page.items) {
      if (!item.key.ends_with("/manifest.json")) continue;
      ids.push_back(item.key.substr(kPrefix.size(), item.key.size() - kPrefix.size() - 14));
    }
    cursor = page.next_cursor;
  } while (cursor);
  std::sort(ids.rbegin(), ids.rend());
  std::vector<BackupManifest> out;
  for (const auto& id : ids) {
    if (out.size() >= limit) break;
    try {
      out.push_back(parse_manifest(store.get_all(manifest_key_of(id), kMaxManifestBytes)));
    } catch (const Error&) {
      continue;  // an unreadable manifest is not a backup one could restore
    }
  }
  return out;
}

RestoreResult restore_platform_backup(objects::ObjectStore& store, std::string_view from,
                                      std::string_view passphrase, const RestoreTarget& target) {
  std::string id(from);
  if (id == "latest") {
    const auto newest = list_platform_backups(store, 1);
    if (newest.empty()) throw Error::not_found("backup_not_found", "There is no platform backup.");
    id = newest.front().id;
  }
  if (!valid_id(id)) throw Error::not_found("backup_not_found", "No such backup.");
  std::string manifest_text;
  try {
    manifest_text = store.get_all(manifest_key_of(id), kMaxManifestBytes);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::not_found) {
      throw Error::not_found("backup_not_found", "No such backup (or it never completed).");
    }
    throw;
  }
  const auto manifest = parse_manifest(manifest_text);
  if (manifest.format != 1 || manifest.kind != "platform" || manifest.id != id ||
      manifest.archive_key != archive_key_of(id)) {
    throw corrupt("manifest does not describe platform backup " + id);
  }
  const auto salt = crypto::hex_decode(manifest.salt_hex);
  if (!salt || salt->size() != 16) throw corrupt("manifest salt");
  const auto keys = derive_backup_keys(passphrase, *salt, manifest.kdf);
  if (!crypto::constant_time_equal(mac_of(manifest, keys.manifest), manifest.mac_hex)) {
    throw Error{ErrorKind::invalid, "backup_passphrase_wrong",
                "The passphrase does not open this backup, or its manifest was altered; "
                "nothing was changed."};
  }
  const int ours = store::migrations().back().version;
  if (manifest.schema_version > ours) {
    throw Error::conflict("backup_schema_newer", "The backup comes from a newer Dokkerr (schema " +
                                                     std::to_string(manifest.schema_version) +
                                                     ", this one knows " + std::to_string(ours) +
                                                     "); restore it with that version.");
  }
  const auto database_url = target.database_url.empty()
                                ? "sqlite://" + (target.data_dir / "dokkerr.db").string()
                                : target.database_url;
  const std::string target_backend = database_url.starts_with("sqlite") ? "sqlite" : "postgres";
  if (target_backend != manifest.database) {
    throw Error::conflict(
        "backup_database_mismatch",
        "The backup holds a " + manifest.database + " database; restore it into the same kind.");
  }
  fs::create_directories(target.data_dir);
  if (!directory_is_empty(target.data_dir / "keys") ||
      !database_is_empty(database_url, target.data_dir)) {
    throw Error::conflict("restore_target_not_empty",
                          "Restore goes into an empty data dir and database; this one has data.");
  }

  const Staging staging(target.data_dir);
  // 1. The archive as stored: size and checksum against the manifest.
  const auto archive_file = staging.path() / "archive.dkb";
  {
    std::ofstream out(archive_file, std::ios::binary);
    crypto::Sha256Stream sha;
    std::uint64_t size = 0;
    store.get(manifest.archive_key, [&](std::string_view bytes) {
      size += bytes.size();
      if (size > manifest.archive_size) throw corrupt("archive longer than its manifest says");
      sha.update(bytes);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    });
    if (!out.flush()) throw Error::internal_error("cannot write " + archive_file.string());
    if (size != manifest.archive_size) {
      throw corrupt("archive is " + std::to_string(size) + " bytes, manifest says " +
                    std::to_string(manifest.archive_size));
    }
    if (sha.hex() != manifest.archive_sha256) throw corrupt("archive checksum differs");
  }
  // 2. Every chunk opened and authenticated.
  const auto content_file = staging.path() / "content.tar.gz";
  {
    std::ifstream in(archive_file, std::ios::binary);
    std::ofstream out(content_file, std::ios::binary);
    std::string head(kSealedHeaderSize, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    const auto header =
        read_sealed_header(std::string_view(head.data(), static_cast<std::size_t>(in.gcount())));
    if (header.salt != *salt || header.kdf.memory_kib != manifest.kdf.memory_kib ||
        header.kdf.passes != manifest.kdf.passes || header.kdf.lanes != manifest.kdf.lanes) {
      throw corrupt("archive header does not match the manifest");
    }
    SealedReader reader(keys.archive, [&](std::string_view bytes) {
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    });
    reader.feed(head);
    std::string buffer(std::size_t{1} << 20U, '\0');
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      reader.feed(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
    }
    reader.finish();
    if (!out.flush()) throw Error::internal_error("cannot write " + content_file.string());
  }
  fs::remove(archive_file);
  // 3. Each file against the manifest, and nothing the manifest does not name.
  std::uint64_t expected_total = 0;
  for (const auto& file : manifest.contents) expected_total += file.size;
  const auto content_dir = staging.path() / "content";
  extract_tar_gz(content_file, content_dir, expected_total + kMaxManifestBytes);
  fs::remove(content_file);
  std::string dump_name;
  for (const auto& file : manifest.contents) {
    const auto path = content_dir / file.name;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec) || fs::file_size(path, ec) != file.size ||
        sha256_of_file(path) != file.sha256) {
      throw corrupt("file " + file.name + " differs from the manifest");
    }
    if (file.name.starts_with("database/")) dump_name = file.name;
  }
  if (dump_name.empty()) throw corrupt("no database in the archive");

  // 4. Into place: the database first (the step that can be refused; PostgreSQL loads in one
  // transaction), then the keys.
  load_database(content_dir / dump_name, database_url, target.data_dir);
  RestoreResult result{manifest, {}};
  result.restored.push_back(dump_name);
  const auto keys_dir = target.data_dir / "keys";
  std::error_code ec;
  fs::remove(keys_dir, ec);  // empty (checked above) or absent
  if (fs::exists(content_dir / "keys")) {
    fs::rename(content_dir / "keys", keys_dir);
    fs::permissions(keys_dir, fs::perms::owner_all, fs::perm_options::replace);
    for (const auto& file : manifest.contents) {
      if (file.name.starts_with("keys/")) result.restored.push_back(file.name);
    }
  }
  return result;
}

}  // namespace dokkerr::backup
