#include "store/sqlite_database.hpp"

#include "core/error.hpp"

#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <fcntl.h>
#include <limits>
#include <mutex>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <utility>

namespace dokkerr::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr std::chrono::milliseconds kFileCheckInterval{250};
// Statements are cached by their text; the code base has a few hundred distinct ones at most,
// so the bound only guards against callers that build SQL dynamically.
constexpr std::size_t kStatementCacheLimit = 256;

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStmt {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, FinalizeStmt>;

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

Error unavailable(std::string detail, std::string internal = {}) {
  return Error::unavailable("database_unavailable", std::move(detail), std::move(internal));
}

// Classifies a failed call. Reads the connection's message, so call it right after the failure.
Error sqlite_error(sqlite3* db, int rc, std::string_view sql) {
  std::string internal = "sqlite: ";
  internal += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  internal += " [";
  internal += sqlite3_errstr(rc);
  internal += "]";
  if (!sql.empty()) {
    internal += " in: ";
    internal += sql;
  }
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return {ErrorKind::conflict, "unique_violation",
              "A record with the same unique value already exists.", std::move(internal)};
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return {ErrorKind::conflict, "foreign_key_violation",
              "The record refers to, or is referred to by, another record.", std::move(internal)};
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {ErrorKind::unavailable, "database_busy", "The database is busy; try again.",
              std::move(internal)};
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return unavailable(
          "The SQLite database cannot be used: " + std::string(sqlite3_errstr(rc)) + ".",
          std::move(internal));
    default:
      return Error::internal_error(std::move(internal));
  }
}

// Creates the file ourselves so it starts out private: SQLite would use 0644 less the umask.
// SQLite gives the -wal and -shm files the mode of the database file.
void create_private_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      throw unavailable("Cannot create the directory for the SQLite database " +
                        path.parent_path().string() + ": " + ec.message() + ".");
    }
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return;
    throw unavailable("Cannot create the SQLite database " + path.string() + ": " +
                      std::generic_category().message(errno) + ".");
  }
  // The umask may have taken bits away; set exactly 0600.
  const int chmod_rc = ::fchmod(fd, S_IRUSR | S_IWUSR);
  ::close(fd);
  if (chmod_rc != 0) {
    throw unavailable("Cannot set the mode of the SQLite database " + path.string() + ".");
  }
}

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(const std::filesystem::path& path) : path_(path) {
    create_private_file(path);
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    db_.reset(raw);  // even a failed open allocates a handle that must be closed
    if (rc != SQLITE_OK) {
      throw unavailable("Cannot open the SQLite database " + path.string() + ": " +
                            std::string(sqlite3_errstr(rc)) + ".",
                        raw != nullptr ? sqlite3_errmsg(raw) : "");
    }
    sqlite3_extended_result_codes(db_.get(), 1);
    sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs);
    std::vector<Row> mode;
    run("PRAGMA journal_mode=WAL", {}, &mode);
    if (mode.empty() || mode.front().text(0) != "wal") {
      throw unavailable("The SQLite database " + path.string() +
                        " cannot use a write-ahead log (is it on a network file system?).");
    }
    run("PRAGMA synchronous=FULL", {}, nullptr);
    run("PRAGMA foreign_keys=ON", {}, nullptr);
    struct stat opened {};
    if (::stat(path.c_str(), &opened) != 0) {
      throw unavailable("The SQLite database " + path.string() + " vanished while it was opened.");
    }
    identity_ = {opened.st_dev, opened.st_ino};
  }

  [[nodiscard]] std::string_view backend() const override { return "sqlite"; }

  std::vector<Row> query(std::string_view sql, const std::vector<Value>& params) override {
    const Lock lock(mu_);
    check_file();
    std::vector<Row> rows;
    run(sql, params, &rows);
    return rows;
  }

  std::int64_t execute(std::string_view sql, const std::vector<Value>& params) override {
    const Lock lock(mu_);
    check_file();
    return run(sql, params, nullptr);
  }

  void transaction(const std::function<void(Database&)>& fn) override {
    // fn may call back into this object on the same thread (mu_ is recursive); other threads
    // wait until the transaction ends, which is what one connection means.
    const Lock lock(mu_);
    if (depth_ > 0) {
      ++depth_;
      const DepthGuard guard{depth_};
      fn(*this);
      return;
    }
    check_file();
    // IMMEDIATE takes the write lock now: a deferred transaction that reads and then writes can
    // fail with SQLITE_BUSY when another process wrote in between, regardless of busy_timeout.
    run("BEGIN IMMEDIATE", {}, nullptr);
    depth_ = 1;
    try {
      fn(*this);
    } catch (...) {
      depth_ = 0;
      rollback_quietly();
      throw;
    }
    depth_ = 0;
    try {
      run("COMMIT", {}, nullptr);
    } catch (...) {
      rollback_quietly();
      throw;
    }
  }

  bool ping() override {
    try {
      const Lock lock(mu_);
      check_file(true);
      run("SELECT 1", {}, nullptr);
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }

  void execute_script(std::string_view sql) override {
    const Lock lock(mu_);
    const std::string text(sql);  // sqlite3_exec wants a terminated string
    char* message = nullptr;
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
    if (message != nullptr) sqlite3_free(message);
    if (rc != SQLITE_OK) throw sqlite_error(db_.get(), sqlite3_extended_errcode(db_.get()), sql);
  }

 private:
  // The file the connection has open must still be the one at its path: deleted or moved away,
  // SQLite would go on reading and writing a file nobody will ever open again, and replaced, the
  // path would name another database. Either way nothing is read or written (503
  // database_unavailable) until the file is back where it was. Looked at no more often than
  // kFileCheckInterval, so the per-query cost is a clock read. Called with mu_ held.
  void check_file(bool now = false) {
    if (depth_ > 0) return;  // inside a transaction: checked when it began
    const auto at = std::chrono::steady_clock::now();
    if (!now && at < next_file_check_) {
      if (file_problem_.empty()) return;
    } else {
      next_file_check_ = at + kFileCheckInterval;
      struct stat current {};
      if (::stat(path_.c_str(), &current) != 0) {
        file_problem_ = "The SQLite database file " + path_.string() + " is missing.";
      } else if (std::pair{current.st_dev, current.st_ino} != identity_) {
        file_problem_ = "The SQLite database file " + path_.string() +
                        " was replaced by another file; restart the server to use it.";
      } else {
        file_problem_.clear();
      }
    }
    if (!file_problem_.empty()) throw unavailable(file_problem_);
  }

  // Serializes use of the one connection. Recursive, so that a transaction's callback may call
  // back into this object on the same thread; the wait is bounded like the wait for the file
  // lock, so a thread stuck behind a long transaction gives up with database_busy instead of
  // hanging. (Built on a condition variable rather than std::recursive_timed_mutex, whose timed
  // lock ThreadSanitizer cannot follow.)
  class ConnectionMutex {
   public:
    void lock() {
      const auto me = std::this_thread::get_id();
      std::unique_lock lock(mu_);
      if (depth_ > 0 && owner_ == me) {
        ++depth_;
        return;
      }
      if (!free_.wait_for(lock, std::chrono::milliseconds(kBusyTimeoutMs),
                          [&] { return depth_ == 0; })) {
        throw Error(ErrorKind::unavailable, "database_busy", "The database is busy; try again.",
                    "sqlite: waited " + std::to_string(kBusyTimeoutMs) +
                        " ms for the connection held by another thread");
      }
      owner_ = me;
      depth_ = 1;
    }
    void unlock() {
      {
        const std::lock_guard lock(mu_);
        if (--depth_ > 0) return;
        owner_ = {};
      }
      free_.notify_one();
    }

   private:
    std::mutex mu_;
    std::condition_variable free_;
    std::thread::id owner_;
    int depth_ = 0;
  };

  class Lock {
   public:
    explicit Lock(ConnectionMutex& mu) : mu_(mu) { mu_.lock(); }
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    ~Lock() { mu_.unlock(); }

   private:
    ConnectionMutex& mu_;
  };

  struct DepthGuard {
    int& depth;
    explicit DepthGuard(int& d) : depth(d) {}
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    ~DepthGuard() { --depth; }
  };

  // Leaves a cached statement ready for its next use whatever happens while it runs.
  struct ResetGuard {
    sqlite3_stmt* stmt;
    explicit ResetGuard(sqlite3_stmt* s) : stmt(s) {}
    ResetGuard(const ResetGuard&) = delete;
    ResetGuard& operator=(const ResetGuard&) = delete;
    ~ResetGuard() {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    }
  };

  void rollback_quietly() noexcept {
    // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR, …).
    if (sqlite3_get_autocommit(db_.get()) == 0) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }

  sqlite3_stmt* prepare(std::string_view sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return it->second.get();
    if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
      throw Error::internal_error("sqlite: statement too long");
    }
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, &tail);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) throw sqlite_error(db_.get(), rc, sql);
    if (!stmt) throw Error::internal_error("sqlite: empty statement");
    // Only the first statement would run; refuse the rest rather than drop it silently.
    const auto consumed = static_cast<std::size_t>(tail - sql.data());
    if (consumed < sql.size()) {
      sqlite3_stmt* extra = nullptr;
      const std::string_view rest = sql.substr(consumed);
      rc = sqlite3_prepare_v2(db_.get(), rest.data(), static_cast<int>(rest.size()), &extra,
                              nullptr);
      const StmtPtr extra_owner(extra);
      if (rc != SQLITE_OK || extra != nullptr) {
        throw Error::internal_error("sqlite: several statements in one call; use execute_script: " +
                                    std::string(sql));
      }
    }
    if (cache_.size() >= kStatementCacheLimit) cache_.clear();
    auto* result = stmt.get();
    cache_.emplace(std::string(sql), std::move(stmt));
    return result;
  }

  void bind(sqlite3_stmt* stmt, std::string_view sql, const std::vector<Value>& params) {
    const int expected = sqlite3_bind_parameter_count(stmt);
    if (static_cast<std::size_t>(expected) != params.size()) {
      throw Error::internal_error("sqlite: statement takes " + std::to_string(expected) +
                                  " parameters, got " + std::to_string(params.size()) + ": " +
                                  std::string(sql));
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      const Value& v = params[i];
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::nullptr_t>(v)) {
        rc = sqlite3_bind_null(stmt, index);
      } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt, index, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt, index, *d);
      } else if (const auto* b = std::get_if<Bytes>(&v)) {
        rc = sqlite3_bind_blob64(stmt, index, b->data.data(), b->data.size(), SQLITE_STATIC);
      } else {
        const auto& s = std::get<std::string>(v);
        // SQLITE_STATIC: params outlive the statement's run, and the bindings are cleared after.
        rc = sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) throw sqlite_error(db_.get(), rc, sql);
    }
  }

  static Value column(sqlite3_stmt* stmt, int i) {
    switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_INTEGER:
        return static_cast<std::int64_t>(sqlite3_column_int64(stmt, i));
      case SQLITE_FLOAT:
        return sqlite3_column_double(stmt, i);
      case SQLITE_NULL:
        return nullptr;
      case SQLITE_BLOB: {
        const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, i));
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, i));
        return data != nullptr ? std::string(data, size) : std::string();
      }
      default: {
        const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, i));
        return data != nullptr ? std::string(data, size) : std::string();
      }
    }
  }

  // Runs one statement to completion (the caller holds mu_); collects rows when asked.
  std::int64_t run(std::string_view sql, const std::vector<Value>& params, std::vector<Row>* rows) {
    sqlite3_stmt* stmt = prepare(sql);
    const ResetGuard guard{stmt};
    bind(stmt, sql, params);
    const int columns = sqlite3_column_count(stmt);
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) throw sqlite_error(db_.get(), sqlite3_extended_errcode(db_.get()), sql);
      if (rows == nullptr) continue;
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(columns));
      for (int i = 0; i < columns; ++i) values.push_back(column(stmt, i));
      rows->emplace_back(std::move(values));
    }
    // Only data-changing statements report changes; others would repeat the last count.
    return sqlite3_stmt_readonly(stmt) != 0 ? 0 : sqlite3_changes64(db_.get());
  }

  ConnectionMutex mu_;
  DbPtr db_;
  // Declared after db_ so the statements are finalized before the connection closes.
  std::unordered_map<std::string, StmtPtr, StringHash, std::equal_to<>> cache_;
  int depth_ = 0;  // nesting of transaction(); guarded by mu_
  // The file as opened, and what check_file() last found; guarded by mu_.
  std::filesystem::path path_;
  std::pair<dev_t, ino_t> identity_{};
  std::chrono::steady_clock::time_point next_file_check_{};
  std::string file_problem_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite_database(const std::filesystem::path& path) {
  return std::make_unique<SqliteDatabase>(path);
}

}  // namespace dokkerr::store
