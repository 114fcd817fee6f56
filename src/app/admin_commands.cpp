#include "app/admin_commands.hpp"

#include "app/bridges.hpp"
#include "audit/audit_log.hpp"
#include "backup/audit_archives.hpp"
#include "backup/platform_backup.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "crypto/jwt.hpp"
#include "objects/open_object_store.hpp"
#include "store/database.hpp"
#include "users/password.hpp"
#include "users/user_store.hpp"
#include "users/username.hpp"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

namespace dokkerr::app {
namespace {

std::unique_ptr<store::Database> open(const AdminOptions& options) {
  const auto url =
      options.database_url.empty()
          ? "sqlite://" + (std::filesystem::absolute(options.data_dir) / "dokkerr.db").string()
          : options.database_url;
  return store::open_database(url, std::filesystem::absolute(options.data_dir));
}

std::string read_password(const std::filesystem::path& file) {
  std::ifstream in(file == "-" ? "/dev/stdin" : file.string(), std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::string password;
  // One line; the newline that editors and `echo` add is not part of the password.
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

int create_user(const AdminOptions& options) {
  users::check_username(options.username);
  const auto password = read_password(options.password_file);
  users::check_new_password(password);
  auto db = open(options);
  const SystemClock clock;
  users::User user;
  user.id = random_hex(16);
  user.username = options.username;
  user.password_hash = users::hash_password(password, users::Argon2Params{});
  user.is_admin = options.make_admin;
  user.created_at = user.updated_at = clock.stamp();
  users::make_sql_user_store(*db, clock)->insert(user);
  std::cout << "created user " << user.username << " (" << user.id << ")"
            << (user.is_admin ? " as platform admin" : "") << '\n';
  return 0;
}

std::unique_ptr<objects::ObjectStore> open_objects(const AdminOptions& options);

int verify_audit(const AdminOptions& options) {
  auto db = open(options);
  const SystemClock clock;
  audit::AuditLog log(*db, clock);
  std::string anchor = options.anchor;
  if (options.audit_archives) {
    // The archives first; the live log must then still hold their last entry unchanged.
    auto objects = open_objects(options);
    AuditLogSource source(log);
    const auto archived = backup::verify_audit_archives(*objects, source);
    if (!archived.ok) {
      std::cout << "audit archives BROKEN at seq "
                << (archived.first_bad_seq ? std::to_string(*archived.first_bad_seq) : "?") << ": "
                << archived.problem << '\n';
      return 1;
    }
    std::cout << "audit archives intact: " << archived.archives << " archives, " << archived.entries
              << " entries" << (archived.anchor.empty() ? "" : ", ending at " + archived.anchor)
              << '\n';
    if (anchor.empty()) anchor = archived.anchor;
  }
  const auto report = anchor.empty() ? log.verify() : log.verify(std::string_view(anchor));
  if (report.ok) {
    std::cout << "audit log intact: " << report.entries << " entries, head " << log.head() << '\n';
    return 0;
  }
  std::cout << "audit log BROKEN at seq "
            << (report.first_bad_seq ? std::to_string(*report.first_bad_seq) : std::string("?"))
            << ": " << report.problem << " (" << report.entries << " entries intact before it)\n";
  return 1;
}

int rotate_jwt_key(const AdminOptions& options) {
  const auto now = SystemClock{}.unix_seconds();
  const auto algorithm =
      options.jwt_algorithm == "eddsa" ? crypto::JwtAlgorithm::eddsa : crypto::JwtAlgorithm::hs256;
  // Old keys keep verifying for a day: longer than any access token lives.
  auto ring = crypto::JwtKeyRing::load_or_create(
      std::filesystem::absolute(options.data_dir) / "keys" / "jwt", algorithm, now, 24 * 3600);
  ring.rotate(now);
  std::cout << "new signing key " << ring.current_kid()
            << "; restart or signal the servers sharing this data dir to pick it up\n";
  return 0;
}

std::unique_ptr<objects::ObjectStore> open_objects(const AdminOptions& options) {
  return objects::open_object_store(options.object_store_url,
                                    std::filesystem::absolute(options.data_dir),
                                    objects::process_environment());
}

backup::KdfParams kdf_of(const AdminOptions& options) {
  backup::KdfParams kdf;
  kdf.memory_kib = options.backup_kdf_memory_kib;
  return kdf;
}

int create_backup(const AdminOptions& options) {
  const auto passphrase = read_password(options.passphrase_file);
  auto db = open(options);
  auto objects = open_objects(options);
  const auto data_dir = std::filesystem::absolute(options.data_dir);
  const auto url = options.database_url.empty() ? "sqlite://" + (data_dir / "dokkerr.db").string()
                                                : options.database_url;
  const auto manifest = backup::create_platform_backup(
      {*db, url, data_dir}, *objects, {passphrase, kdf_of(options), SystemClock{}.unix_seconds()});
  std::cout << "backup " << manifest.id << " stored in " << objects->describe() << " ("
            << manifest.archive_size << " bytes, " << manifest.database << " schema "
            << manifest.schema_version << ", " << manifest.contents.size() << " files)\n";
  return 0;
}

int list_backups(const AdminOptions& options) {
  auto objects = open_objects(options);
  for (const auto& m : backup::list_platform_backups(*objects, 1000)) {
    std::cout << m.id << "  " << m.created_at << "  " << m.database << "  schema "
              << m.schema_version << "  " << m.archive_size << " bytes\n";
  }
  return 0;
}

int restore_backup(const AdminOptions& options) {
  const auto passphrase = read_password(options.passphrase_file);
  auto objects = open_objects(options);
  const auto result = backup::restore_platform_backup(
      *objects, options.backup_from, passphrase,
      {std::filesystem::absolute(options.data_dir), options.database_url});
  std::cout << "restored backup " << result.manifest.id << " (taken " << result.manifest.created_at
            << "): " << result.restored.size() << " files; start the server on this data dir\n";
  return 0;
}

// Copies a file into the object store and out again: to move backups between stores, and to
// measure the store's client on its own (bench/objects.sh).
int put_object(const AdminOptions& options) {
  auto objects = open_objects(options);
  // --stream: through the streaming writer, as backups write (multipart on S3).
  const auto info = options.object_stream
                        ? objects->ObjectStore::put_file(options.object_key, options.object_file)
                        : objects->put_file(options.object_key, options.object_file);
  std::cout << "stored " << info.key << " (" << info.size << " bytes) in " << objects->describe()
            << '\n';
  return 0;
}

int get_object(const AdminOptions& options) {
  auto objects = open_objects(options);
  std::ofstream out(options.object_file, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + options.object_file.string());
  std::uint64_t size = 0;
  objects->get(options.object_key, [&](std::string_view bytes) {
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    size += bytes.size();
  });
  if (!out.flush()) throw std::runtime_error("cannot write " + options.object_file.string());
  std::cout << "fetched " << options.object_key << " (" << size << " bytes)\n";
  return 0;
}

}  // namespace

CLI::App* add_admin_commands(CLI::App& app, AdminOptions& options) {
  auto* admin = app.add_subcommand("admin", "Offline maintenance on a data dir and database");
  admin->require_subcommand(1);
  auto common = [&options](CLI::App* command) {
    command->add_option("--data-dir", options.data_dir, "The server's data directory")->required();
    command->add_option("--database", options.database_url,
                        "Database URL (default: the data dir's SQLite file)");
  };
  auto* create = admin->add_subcommand("create-user", "Create an account (works at any time)");
  common(create);
  create->add_option("--username", options.username, "Account name")->required();
  create
      ->add_option("--password-file", options.password_file,
                   "File holding the password on its first line ('-' for stdin)")
      ->required();
  create->add_flag("--admin", options.make_admin, "Make the account a platform admin");
  auto* verify = admin->add_subcommand("verify-audit", "Check the audit log's hash chain");
  common(verify);
  verify->add_option("--anchor", options.anchor, "A 'seq:hash' head recorded earlier");
  verify->add_flag("--archives", options.audit_archives,
                   "Also walk the audit archives in the object store (--object-store), and check "
                   "the live log still holds the last archived entry");
  verify->add_option("--object-store", options.object_store_url,
                     "Where the archives are (default: the data dir's objects/)");
  auto* rotate = admin->add_subcommand("rotate-jwt-key", "Start signing with a new key");
  rotate->add_option("--data-dir", options.data_dir, "The server's data directory")->required();
  rotate->add_option("--jwt-algorithm", options.jwt_algorithm, "hs256 or eddsa")
      ->capture_default_str();
  const auto object_store = [&options](CLI::App* command) {
    command->add_option("--object-store", options.object_store_url,
                        "Where backups are kept: s3://bucket/prefix?endpoint=…&region=…&"
                        "path_style=true, file:///dir (default: the data dir's objects/)");
  };
  const auto passphrase = [&options](CLI::App* command) {
    command
        ->add_option("--passphrase-file", options.passphrase_file,
                     "File holding the backup passphrase on its first line ('-' for stdin)")
        ->required();
  };
  auto* backup = admin->add_subcommand(
      "backup", "Back up the database and keys/ (sealed under a passphrase) to the object store");
  common(backup);
  object_store(backup);
  passphrase(backup);
  backup
      ->add_option("--kdf-memory-kib", options.backup_kdf_memory_kib,
                   "argon2id memory cost of the passphrase (8192-1048576)")
      ->capture_default_str();
  auto* restore = admin->add_subcommand(
      "restore", "Restore a platform backup into an empty data dir and database");
  common(restore);
  object_store(restore);
  passphrase(restore);
  restore->add_option("--from", options.backup_from, "A backup id, or latest")
      ->capture_default_str();
  for (const auto& [name, what] : {std::pair{"object-put", "Copy a file into the object store"},
                                   std::pair{"object-get", "Copy an object out of the store"}}) {
    auto* copy = admin->add_subcommand(name, what);
    copy->add_option("--data-dir", options.data_dir, "The server's data directory")->required();
    object_store(copy);
    copy->add_option("--key", options.object_key, "The object's key")->required();
    copy->add_option("--file", options.object_file, "The local file")->required();
    if (std::string_view(name) == "object-put") {
      copy->add_flag("--stream", options.object_stream,
                     "Write through the streaming writer, as backups do (multipart on S3)");
    }
  }
  auto* backups = admin->add_subcommand("backups", "List the complete platform backups");
  backups->add_option("--data-dir", options.data_dir, "The server's data directory")->required();
  object_store(backups);
  return admin;
}

int run_admin(CLI::App& admin, const AdminOptions& options) {
  try {
    if (admin.got_subcommand("create-user")) return create_user(options);
    if (admin.got_subcommand("verify-audit")) return verify_audit(options);
    if (admin.got_subcommand("rotate-jwt-key")) return rotate_jwt_key(options);
    if (admin.got_subcommand("backup")) return create_backup(options);
    if (admin.got_subcommand("restore")) return restore_backup(options);
    if (admin.got_subcommand("backups")) return list_backups(options);
    if (admin.got_subcommand("object-put")) return put_object(options);
    if (admin.got_subcommand("object-get")) return get_object(options);
  } catch (const Error& error) {
    std::cerr << "dokkerr admin: " << error.detail()
              << (error.internal().empty() ? "" : " (" + error.internal() + ")") << '\n';
    return error.kind() == ErrorKind::invalid || error.kind() == ErrorKind::conflict ? 2 : 1;
  } catch (const std::exception& error) {
    std::cerr << "dokkerr admin: " << error.what() << '\n';
    return 1;
  }
  return 2;
}

}  // namespace dokkerr::app
