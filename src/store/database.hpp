#pragma once
// The database behind Dokkerr: an embedded SQLite file by default, PostgreSQL at scale.
// Both speak the same portable SQL subset; `?` placeholders are rewritten for PostgreSQL.
// Calls block: run them on the BlockingPool, never on an I/O thread.
//
// Values are always bound as parameters, never spliced into SQL text. What comes back: integer
// columns as int64, floating columns as double, NULL as nullptr, everything else as text (binary
// columns as their bytes; bind Bytes to write them).
// PostgreSQL infers a parameter's type from where it is used, so a bare `SELECT ?` returns text
// there; Row::integer parses text, so read integers through it on both backends.
//
// Errors (dokkerr::Error) every backend raises with the same code:
//   conflict    "unique_violation"       a UNIQUE or PRIMARY KEY constraint failed
//   conflict    "foreign_key_violation"  a FOREIGN KEY constraint failed
//   unavailable "database_unavailable"   cannot connect / connection lost / no free connection
//   unavailable "database_busy"          lock timeout, deadlock or serialization failure; retry
//   invalid     "invalid_database_url"   open_database got a url it cannot use
//   invalid     "invalid_text"           a text value holds NUL (PostgreSQL cannot store it)
//   internal    "internal"               anything else (bad SQL, …); the text is in internal()
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace dokkerr::store {

// Binary data for a BLOB (SQLite) or BYTEA (PostgreSQL) column; comes back as std::string.
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string, Bytes>;

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  [[nodiscard]] std::size_t size() const { return values_.size(); }
  [[nodiscard]] bool is_null(std::size_t i) const;
  [[nodiscard]] std::string text(std::size_t i) const;  // "" for NULL
  [[nodiscard]] std::optional<std::string> optional_text(std::size_t i) const;
  // 0 for NULL; parses text holding an integer; a double is truncated toward zero.
  // Anything else throws Error internal.
  [[nodiscard]] std::int64_t integer(std::size_t i) const;
  [[nodiscard]] const Value& value(std::size_t i) const { return values_.at(i); }

 private:
  std::vector<Value> values_;
};

class Database {
 public:
  virtual ~Database() = default;
  [[nodiscard]] virtual std::string_view backend() const = 0;  // "sqlite" | "postgres"

  virtual std::vector<Row> query(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Returns the number of affected rows.
  virtual std::int64_t execute(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs fn inside one transaction on one connection; commits when fn returns, rolls back when
  // it throws (and rethrows). Nested calls join the outer transaction, and so do calls made on
  // this object from the same thread while fn runs. fn must not wait for other threads that use
  // the database: on SQLite they wait for the transaction to end.
  // On PostgreSQL a failed statement aborts the whole transaction: let the error propagate.
  virtual void transaction(const std::function<void(Database&)>& fn) = 0;
  // True when the backend answers a trivial query.
  virtual bool ping() = 0;
  // Runs several `;`-separated statements without parameters (migrations). Call it inside
  // transaction() when a failure must undo the statements before it.
  virtual void execute_script(std::string_view sql) = 0;
};

// Opens the database named by url and applies pending migrations:
//   sqlite:///absolute/path.db, sqlite://relative.db (under data_dir), postgres://… or
//   postgresql://…
// Throws dokkerr::Error{invalid,"invalid_database_url"} for a malformed url and
// Error{unavailable,"database_unavailable"} when the backend cannot be opened.
std::unique_ptr<Database> open_database(std::string_view url,
                                        const std::filesystem::path& data_dir);

// The url with any password removed (user:secret@ -> user@, password=… dropped), for logs and
// error messages.
[[nodiscard]] std::string redact_database_url(std::string_view url);

// Applies every numbered migration not yet recorded in schema_migrations, each in a transaction.
// Returns how many were applied.
int migrate(Database& db);

}  // namespace dokkerr::store
