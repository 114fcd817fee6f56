// Platform backups on both database backends into a local object store: the round trip, and
// every refusal leaving the target untouched.
#include "backup/platform_backup.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "objects/local_object_store.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace dokkerr::backup {
namespace {

namespace fs = std::filesystem;
using store::testing::Backend;
using store::testing::TestTarget;

constexpr std::string_view kPassphrase = "correct horse battery staple";

KdfParams quick_kdf() {
  return {8192, 1, 1};
}  // the floor: keeps the tests fast

fs::path temp_dir(const std::string& what) {
  auto dir = fs::temp_directory_path() /
             ("dokkerr-backup-" + what + "-" + crypto::hex_encode(crypto::random_bytes(5)));
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class PlatformBackupTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::postgres && !store::testing::postgres_url()) {
      GTEST_SKIP() << store::testing::kNoPostgres;
    }
    source_ = std::make_unique<TestTarget>(GetParam());
    db_ = source_->open();
    source_dir_ = temp_dir("source");
    objects_dir_ = temp_dir("objects");
    objects_ = std::make_unique<objects::LocalObjectStore>(objects_dir_);
    const std::string blob_type = GetParam() == Backend::postgres ? "BYTEA" : "BLOB";
    db_->execute("CREATE TABLE backup_probe (id TEXT PRIMARY KEY, note TEXT, blob " + blob_type +
                 ")");
    db_->execute(
        "INSERT INTO backup_probe (id, note, blob) VALUES (?, ?, ?)",
        {std::string("one"), std::string("ünïcode ✓"), store::Bytes{std::string("\0\x01\xff", 3)}});
    write_file(source_dir_ / "keys" / "master.key", std::string(64, 'a') + "\n");
    write_file(source_dir_ / "keys" / "jwt" / "k1.pem", "PEM");
    target_ = std::make_unique<TestTarget>(GetParam());
    target_dir_ = temp_dir("target");
  }

  void TearDown() override {
    db_.reset();
    source_.reset();
    target_.reset();
    for (const auto& dir : {source_dir_, objects_dir_, target_dir_}) {
      std::error_code ec;
      if (!dir.empty()) fs::remove_all(dir, ec);
    }
  }

  BackupManifest backup() {
    return create_platform_backup({*db_, source_->url(), source_dir_}, *objects_,
                                  {std::string(kPassphrase), quick_kdf(), 1'796'000'000});
  }

  // The restore target: an empty data dir and an empty database of the same backend (a SQLite
  // target lives in the data dir).
  RestoreTarget target() const {
    if (GetParam() == Backend::sqlite) return {target_dir_, ""};
    return {target_dir_, target_->url()};
  }

  RestoreResult restore(std::string_view from = "latest",
                        std::string_view passphrase = kPassphrase) {
    return restore_platform_backup(*objects_, from, passphrase, target());
  }

  // Nothing restored: no keys, an empty database.
  void expect_untouched() {
    EXPECT_FALSE(fs::exists(target_dir_ / "keys"));
    if (GetParam() == Backend::sqlite) {
      EXPECT_FALSE(fs::exists(target_dir_ / "dokkerr.db"));
    } else {
      const auto db = target_->open_bare();
      EXPECT_EQ(db->query("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'")
                    .front()
                    .integer(0),
                0);
    }
    for (const auto& entry : fs::directory_iterator(target_dir_)) {
      ADD_FAILURE() << "left behind: " << entry.path();
    }
  }

  void expect_refused(const std::string& code, const std::function<void()>& action) {
    try {
      action();
      ADD_FAILURE() << "expected " << code;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.internal();
    }
  }

  fs::path archive_path(const BackupManifest& m) const { return objects_dir_ / m.archive_key; }
  fs::path manifest_path(const BackupManifest& m) const {
    return objects_dir_ / "platform" / m.id / "manifest.json";
  }

  std::unique_ptr<TestTarget> source_;
  std::unique_ptr<store::Database> db_;
  fs::path source_dir_;
  fs::path objects_dir_;
  std::unique_ptr<objects::LocalObjectStore> objects_;
  std::unique_ptr<TestTarget> target_;
  fs::path target_dir_;
};

TEST_P(PlatformBackupTest, RoundTripRestoresDatabaseAndKeys) {
  const auto manifest = backup();
  EXPECT_EQ(manifest.database, store::testing::backend_name(GetParam()));
  EXPECT_GT(manifest.schema_version, 0);
  EXPECT_EQ(manifest.archive_size, fs::file_size(archive_path(manifest)));
  ASSERT_EQ(list_platform_backups(*objects_, 10).size(), 1U);
  // The passphrase and the key material never appear in the stored objects.
  const auto archive = read_file(archive_path(manifest));
  EXPECT_EQ(archive.find(std::string(64, 'a')), std::string::npos);
  EXPECT_EQ(read_file(manifest_path(manifest)).find(kPassphrase), std::string::npos);

  const auto result = restore();
  EXPECT_EQ(result.manifest.id, manifest.id);
  EXPECT_EQ(read_file(target_dir_ / "keys" / "master.key"), std::string(64, 'a') + "\n");
  EXPECT_EQ(read_file(target_dir_ / "keys" / "jwt" / "k1.pem"), "PEM");
  const auto restored =
      GetParam() == Backend::sqlite
          ? store::open_database("sqlite://" + (target_dir_ / "dokkerr.db").string(), target_dir_)
          : target_->open();
  const auto rows = restored->query("SELECT note, blob FROM backup_probe WHERE id = 'one'");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows.front().text(0), "ünïcode ✓");
  EXPECT_EQ(rows.front().text(1), std::string("\0\x01\xff", 3));
  // No staging directory stays behind.
  for (const auto& entry : fs::directory_iterator(target_dir_)) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".staging")) << entry.path();
  }
}

TEST_P(PlatformBackupTest, WrongPassphraseChangesNothing) {
  backup();
  expect_refused("backup_passphrase_wrong", [&] { restore("latest", "not the right passphrase"); });
  expect_untouched();
}

TEST_P(PlatformBackupTest, TruncatedArchiveChangesNothing) {
  const auto m = backup();
  fs::resize_file(archive_path(m), m.archive_size - 100);
  expect_refused("backup_corrupt", [&] { restore(); });
  expect_untouched();
}

TEST_P(PlatformBackupTest, FlippedByteChangesNothing) {
  const auto m = backup();
  auto bytes = read_file(archive_path(m));
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x40);
  write_file(archive_path(m), bytes);
  expect_refused("backup_corrupt", [&] { restore(); });
  expect_untouched();
}

TEST_P(PlatformBackupTest, TamperedManifestChangesNothing) {
  const auto m = backup();
  // Someone without the passphrase "fixes up" the checksum of an altered archive.
  auto bytes = read_file(archive_path(m));
  bytes[bytes.size() - 20] = static_cast<char>(bytes[bytes.size() - 20] ^ 0x01);
  write_file(archive_path(m), bytes);
  auto forged = m;
  forged.archive_sha256 = crypto::sha256_hex(bytes);
  write_file(manifest_path(m), manifest_json(forged));
  expect_refused("backup_passphrase_wrong", [&] { restore(); });
  // A manifest that is not JSON at all.
  write_file(manifest_path(m), "{not json");
  expect_refused("backup_corrupt", [&] { restore(m.id); });
  expect_untouched();
}

TEST_P(PlatformBackupTest, ArchiveWithoutManifestIsNotABackup) {
  const auto m = backup();
  fs::remove(manifest_path(m));
  EXPECT_TRUE(list_platform_backups(*objects_, 10).empty());
  expect_refused("backup_not_found", [&] { restore(); });
  expect_refused("backup_not_found", [&] { restore(m.id); });
  expect_refused("backup_not_found", [&] { restore("../../etc"); });
  expect_untouched();
}

TEST_P(PlatformBackupTest, NewerSchemaIsRefused) {
  db_->execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
               {std::int64_t{9999}, std::string("from the future"),
                std::string("2030-01-01T00:00:00.000Z")});
  backup();
  expect_refused("backup_schema_newer", [&] { restore(); });
  expect_untouched();
}

TEST_P(PlatformBackupTest, NonEmptyTargetIsRefused) {
  backup();
  write_file(target_dir_ / "keys" / "master.key", "existing");
  expect_refused("restore_target_not_empty", [&] { restore(); });
  EXPECT_EQ(read_file(target_dir_ / "keys" / "master.key"), "existing");
  fs::remove_all(target_dir_ / "keys");
  // A database that already holds Dokkerr's tables.
  const auto existing =
      GetParam() == Backend::sqlite
          ? store::open_database("sqlite://" + (target_dir_ / "dokkerr.db").string(), target_dir_)
          : target_->open();
  expect_refused("restore_target_not_empty", [&] { restore(); });
}

TEST_P(PlatformBackupTest, OtherDatabaseKindIsRefused) {
  backup();
  const RestoreTarget other = GetParam() == Backend::sqlite
                                  ? RestoreTarget{target_dir_, "postgres://u@127.0.0.1:1/x"}
                                  : RestoreTarget{target_dir_, ""};
  expect_refused("backup_database_mismatch",
                 [&] { restore_platform_backup(*objects_, "latest", kPassphrase, other); });
  expect_untouched();
}

TEST_P(PlatformBackupTest, WeakPassphraseIsRefused) {
  expect_refused("backup_passphrase_weak", [&] {
    create_platform_backup({*db_, source_->url(), source_dir_}, *objects_,
                           {"short", quick_kdf(), 1});
  });
  EXPECT_TRUE(objects_->list("", std::nullopt, 10).items.empty());
}

TEST_P(PlatformBackupTest, NewestIsLatest) {
  const auto first = create_platform_backup({*db_, source_->url(), source_dir_}, *objects_,
                                            {std::string(kPassphrase), quick_kdf(), 1'796'000'000});
  const auto second =
      create_platform_backup({*db_, source_->url(), source_dir_}, *objects_,
                             {std::string(kPassphrase), quick_kdf(), 1'796'000'100});
  const auto listed = list_platform_backups(*objects_, 10);
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed.front().id, second.id);
  EXPECT_EQ(restore().manifest.id, second.id);
  static_cast<void>(first);
}

DOKKERR_INSTANTIATE_BACKENDS(PlatformBackupTest);

}  // namespace
}  // namespace dokkerr::backup
