#pragma once
// The platform backup: everything needed to rebuild a Dokkerr installation after losing its
// host — a consistent copy of the database and the data dir's keys/ (the master key that opens
// every sealed secret, the token signing keys) — packed as tar.gz, sealed under a passphrase
// (sealed_stream.hpp) and stored as two objects:
//
//   platform/<id>/archive.dkb    the sealed archive
//   platform/<id>/manifest.json  written last: what the archive holds, its size and SHA-256,
//                                the key derivation settings, and an HMAC under the passphrase
//
// A backup without its manifest is incomplete and never listed. Restore checks everything it
// can before it changes anything: the manifest's HMAC (wrong passphrase or altered manifest),
// the schema, that the target is empty, the archive's size and checksum, every sealed chunk,
// and each file's checksum; only then does it put the database and keys in place.
#include "backup/sealed_stream.hpp"
#include "objects/object_store.hpp"
#include "store/database.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace dokkerr::backup {

struct BackupFile {
  std::string name;  // inside the archive: database/dokkerr.db, database/dump.sql, keys/…
  std::uint64_t size = 0;
  std::string sha256;
};

struct BackupManifest {
  int format = 1;
  std::string kind = "platform";
  std::string id;          // 20261207T023000Z-1a2b3c: sorts by time
  std::string created_at;  // RFC 3339, UTC
  std::string dokkerr_version;
  int schema_version = 0;
  std::string database;  // "sqlite" | "postgres"
  std::string archive_key;
  std::uint64_t archive_size = 0;
  std::string archive_sha256;
  KdfParams kdf;
  std::string salt_hex;
  std::vector<BackupFile> contents;
  std::string mac_hex;
};

struct PlatformBackupSource {
  store::Database& db;
  std::string database_url;
  std::filesystem::path data_dir;
};

struct PlatformBackupOptions {
  std::string passphrase;  // at least 12 characters
  KdfParams kdf;           // tests lower the memory cost
  std::int64_t now_unix = 0;
};

// Errors: invalid "backup_passphrase_weak"; the object store's and database's own.
BackupManifest create_platform_backup(const PlatformBackupSource& source,
                                      objects::ObjectStore& store,
                                      const PlatformBackupOptions& options);

// Complete platform backups (those with a manifest), newest first, at most limit.
std::vector<BackupManifest> list_platform_backups(objects::ObjectStore& store, std::size_t limit);

struct RestoreTarget {
  std::filesystem::path data_dir;
  std::string database_url;  // empty: sqlite under data_dir
};

struct RestoreResult {
  BackupManifest manifest;
  std::vector<std::string> restored;  // file names put in place
};

// from: a backup id or "latest". Errors (nothing changed for any of them):
//   not_found "backup_not_found", invalid "backup_passphrase_wrong" (or manifest altered),
//   invalid "backup_corrupt", conflict "backup_schema_newer", conflict "restore_target_not_empty",
//   conflict "backup_database_mismatch" (a SQLite backup into PostgreSQL or back).
RestoreResult restore_platform_backup(objects::ObjectStore& store, std::string_view from,
                                      std::string_view passphrase, const RestoreTarget& target);

// The manifest as stored, and read back (Error backup_corrupt when it is not one).
std::string manifest_json(const BackupManifest& manifest);
BackupManifest parse_manifest(std::string_view json);

}  // namespace dokkerr::backup
