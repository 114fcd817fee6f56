// open_database: url handling, the SQLite file and its settings, an unreachable server.
#include "core/error.hpp"
#include "store/database.hpp"
#include "unit/store/test_databases.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dokkerr::store {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "dokkerr-open-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

Error open_error(std::string_view url, const std::filesystem::path& dir) {
  try {
    (void)open_database(url, dir);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "opening \"" << url << "\" did not fail";
  return Error::internal_error("no error");
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777U;
}

// A loopback port nothing listens on: bound by us, then released.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(OpenDatabaseTest, RejectsUnusableUrls) {
  const TempDir dir;
  for (const char* url :
       {"", "mysql://localhost/db", "sqlite://", "sqlite:///", "sqlite:", "sqlite:relative.db",
        "nonsense", "://x", "sqlite://dir/", "sqlite://a.db?mode=ro", "http://example.com/db",
        "postgres://127.0.0.1/x?pool_size=0", "postgres://127.0.0.1/x?pool_timeout_ms=abc"}) {
    SCOPED_TRACE(url);
    const Error e = open_error(url, dir.path());
    EXPECT_EQ(e.kind(), ErrorKind::invalid);
    EXPECT_EQ(e.code(), "invalid_database_url");
  }
}

TEST(OpenDatabaseTest, DoesNotEchoWhatCouldBeASecret) {
  const TempDir dir;
  const Error e = open_error("hunter2@db://x", dir.path());
  EXPECT_EQ(e.code(), "invalid_database_url");
  EXPECT_EQ(e.detail().find("hunter2"), std::string::npos) << e.detail();
}

TEST(OpenDatabaseTest, CreatesARelativeSqliteFileUnderTheDataDirPrivately) {
  const TempDir dir;
  {
    auto db = open_database("sqlite://sub/dir/dokkerr.db", dir.path());
    EXPECT_EQ(db->backend(), "sqlite");
    db->execute("INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 'now')");
    const auto file = dir.path() / "sub/dir/dokkerr.db";
    ASSERT_TRUE(std::filesystem::exists(file));
    EXPECT_EQ(mode_of(file), 0600U);
    // The write-ahead log takes the database file's mode.
    ASSERT_TRUE(std::filesystem::exists(file.string() + "-wal"));
    EXPECT_EQ(mode_of(file.string() + "-wal"), 0600U);
  }
  // Reopened, the data is still there.
  auto db = open_database("sqlite://sub/dir/dokkerr.db", dir.path());
  EXPECT_EQ(db->query("SELECT value FROM settings WHERE key = 'k'").at(0).text(0), "v");
}

TEST(OpenDatabaseTest, OpensAnAbsoluteSqlitePathWithTheExpectedSettings) {
  const TempDir dir;
  const auto file = dir.path() / "abs" / "x.db";
  auto db = open_database("sqlite://" + file.string(), "/nonexistent-data-dir");
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(db->query("PRAGMA journal_mode").at(0).text(0), "wal");
  EXPECT_EQ(db->query("PRAGMA synchronous").at(0).integer(0), 2);  // FULL
  EXPECT_EQ(db->query("PRAGMA foreign_keys").at(0).integer(0), 1);
  EXPECT_EQ(db->query("PRAGMA busy_timeout").at(0).integer(0), 5000);
}

TEST(OpenDatabaseTest, AFileThatIsNotADatabaseIsUnavailable) {
  const TempDir dir;
  std::ofstream(dir.path() / "junk.db") << std::string(8192, 'x');
  const Error e = open_error("sqlite://junk.db", dir.path());
  EXPECT_EQ(e.kind(), ErrorKind::unavailable);
  EXPECT_EQ(e.code(), "database_unavailable");
}

TEST(OpenDatabaseTest, AnUnreachablePostgresIsUnavailableQuicklyAndKeepsThePasswordOut) {
  const TempDir dir;
  const std::string url =
      "postgres://dokkerr:s3cret-pw@127.0.0.1:" + std::to_string(closed_port()) + "/dokkerr";
  const auto start = std::chrono::steady_clock::now();
  const Error e = open_error(url, dir.path());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.kind(), ErrorKind::unavailable);
  EXPECT_EQ(e.code(), "database_unavailable");
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  EXPECT_NE(e.detail().find("127.0.0.1"), std::string::npos) << e.detail();
  EXPECT_EQ(e.detail().find("s3cret-pw"), std::string::npos) << e.detail();
  EXPECT_EQ(e.internal().find("s3cret-pw"), std::string::npos) << e.internal();
}

TEST(RedactDatabaseUrlTest, RemovesPasswords) {
  EXPECT_EQ(redact_database_url("postgres://u:pw@h:5432/db"), "postgres://u@h:5432/db");
  EXPECT_EQ(redact_database_url("postgres://u:p@ss@h/db"), "postgres://u@h/db");
  EXPECT_EQ(redact_database_url("postgres://u@h/db?password=x&sslmode=require"),
            "postgres://u@h/db?sslmode=require");
  EXPECT_EQ(redact_database_url("postgresql://h/db?Password=x"), "postgresql://h/db");
  EXPECT_EQ(redact_database_url("postgres://h:5432/db"), "postgres://h:5432/db");
  EXPECT_EQ(redact_database_url("sqlite:///var/lib/dokkerr/db"), "sqlite:///var/lib/dokkerr/db");
}

}  // namespace
}  // namespace dokkerr::store
