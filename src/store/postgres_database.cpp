#include "store/postgres_database.hpp"

#include "core/error.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dokkerr::store {
namespace {

// PostgreSQL type oids (pg_type.h) of the columns we hand back as numbers.
constexpr pqxx::oid kBoolOid = 16;
constexpr pqxx::oid kByteaOid = 17;
constexpr pqxx::oid kInt8Oid = 20;
constexpr pqxx::oid kInt2Oid = 21;
constexpr pqxx::oid kInt4Oid = 23;
constexpr pqxx::oid kFloat4Oid = 700;
constexpr pqxx::oid kFloat8Oid = 701;

constexpr std::size_t kMaxPoolSize = 1000;
constexpr long kMaxPoolTimeoutMs = 600000;

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$';
}

Error invalid_url(std::string detail) {
  return Error::invalid("invalid_database_url", std::move(detail));
}

std::string first_line(std::string_view text) {
  const auto end = text.find('\n');
  return std::string(text.substr(0, end));
}

// The parts of a postgres url we handle ourselves, and the rest for libpq.
struct ParsedUrl {
  std::string conninfo;  // what libpq gets
  std::string display;   // scheme://user@host:port/dbname, for messages
  PostgresOptions options;
};

long parse_positive(std::string_view name, std::string_view text, long max) {
  long v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || v < 1 || v > max) {
    throw invalid_url("The database url parameter " + std::string(name) +
                      " must be a whole number from 1 to " + std::to_string(max) + ".");
  }
  return v;
}

ParsedUrl parse_url(std::string_view url, PostgresOptions options) {
  ParsedUrl parsed;
  const auto query_at = url.find('?');
  const std::string_view base = url.substr(0, query_at);
  if (base.find("://") == std::string_view::npos) {
    throw invalid_url("The database url must start with postgres:// or postgresql://.");
  }
  parsed.display = redact_database_url(base);
  std::string query;
  bool has_connect_timeout = false;
  bool has_application_name = false;
  if (query_at != std::string_view::npos) {
    std::string_view params = url.substr(query_at + 1);
    while (!params.empty()) {
      const auto amp = params.find('&');
      const std::string_view param = params.substr(0, amp);
      const auto eq = param.find('=');
      const std::string_view key = param.substr(0, eq);
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
      if (key == "pool_size") {
        options.pool_size =
            static_cast<std::size_t>(parse_positive(key, value, static_cast<long>(kMaxPoolSize)));
      } else if (key == "pool_timeout_ms") {
        options.acquire_timeout =
            std::chrono::milliseconds(parse_positive(key, value, kMaxPoolTimeoutMs));
      } else if (!param.empty()) {
        has_connect_timeout = has_connect_timeout || key == "connect_timeout";
        has_application_name = has_application_name || key == "application_name";
        if (!query.empty()) query += '&';
        query += param;
      }
      if (amp == std::string_view::npos) break;
      params.remove_prefix(amp + 1);
    }
  }
  // Without a bound libpq waits for the operating system's TCP timeout (minutes) on an address
  // that drops packets.
  if (!has_connect_timeout) {
    if (!query.empty()) query += '&';
    query +=
        "connect_timeout=" + std::to_string(std::max<long>(1, options.connect_timeout.count()));
  }
  if (!has_application_name) query += "&application_name=dokkerr";
  parsed.conninfo = std::string(base) + "?" + query;
  if (options.pool_size == 0 || options.pool_size > kMaxPoolSize) {
    throw invalid_url("The PostgreSQL pool size must be from 1 to " + std::to_string(kMaxPoolSize) +
                      ".");
  }
  parsed.options = options;
  return parsed;
}

using Connection = pqxx::connection;

// A bounded pool. Connections open lazily; a broken one is closed instead of returned, so the
// next caller opens a fresh one.
class ConnectionPool {
 public:
  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> conn)
        : pool_(&pool), conn_(std::move(conn)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_->release(std::move(conn_), broken_); }

    Connection& conn() { return *conn_; }
    void mark_broken() { broken_ = true; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
    bool broken_ = false;
  };

  ConnectionPool(std::string conninfo, std::string display, std::size_t size,
                 std::chrono::milliseconds wait)
      : conninfo_(std::move(conninfo)), display_(std::move(display)), size_(size), wait_(wait) {}
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  ~ConnectionPool() = default;

  const std::string& display() const { return display_; }

  Lease acquire() {
    std::unique_lock lock(mu_);
    const bool ready = cv_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < size_; });
    if (!ready) {
      throw Error::unavailable(
          "database_unavailable",
          "No database connection became free within " + std::to_string(wait_.count()) + " ms.",
          "postgres pool of " + std::to_string(size_) + " exhausted");
    }
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(conn));
    }
    ++open_;  // reserve the slot, then connect without holding the lock
    lock.unlock();
    try {
      return Lease(*this, connect());
    } catch (...) {
      release(nullptr, true);
      throw;
    }
  }

 private:
  std::unique_ptr<Connection> connect() {
    try {
      return std::make_unique<Connection>(conninfo_);
    } catch (const std::exception& e) {
      // libpq's messages name the host and the reason, never the password.
      throw Error::unavailable(
          "database_unavailable",
          "Cannot connect to PostgreSQL at " + display_ + ": " + first_line(e.what()), e.what());
    }
  }

  void release(std::unique_ptr<Connection> conn, bool broken) noexcept {
    {
      const std::lock_guard lock(mu_);
      if (conn && !broken && conn->is_open()) {
        idle_.push_back(std::move(conn));
      } else {
        --open_;
      }
    }
    cv_.notify_one();
    // A dropped connection (conn still set here) closes as it goes out of scope, unlocked.
  }

  const std::string conninfo_;
  const std::string display_;
  const std::size_t size_;
  const std::chrono::milliseconds wait_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle, leased and being opened
};

using Lease = ConnectionPool::Lease;

// Turns the exception being handled into a dokkerr::Error. Call only from a catch block.
[[noreturn]] void rethrow_as_error(Lease& lease, std::string_view sql) {
  const std::string where = sql.empty() ? std::string() : " in: " + std::string(sql);
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const pqxx::broken_connection& e) {
    lease.mark_broken();
    throw Error::unavailable("database_unavailable", "The connection to PostgreSQL was lost.",
                             std::string("postgres: ") + e.what() + where);
  } catch (const pqxx::unique_violation& e) {
    throw Error(ErrorKind::conflict, "unique_violation",
                "A record with the same unique value already exists.",
                std::string("postgres: ") + e.what() + where);
  } catch (const pqxx::foreign_key_violation& e) {
    throw Error(ErrorKind::conflict, "foreign_key_violation",
                "The record refers to, or is referred to by, another record.",
                std::string("postgres: ") + e.what() + where);
  } catch (const pqxx::transaction_rollback& e) {
    // Serialization failures and deadlocks: the same statement may well succeed when retried.
    throw Error(ErrorKind::unavailable, "database_busy", "The database is busy; try again.",
                std::string("postgres: ") + e.what() + where);
  } catch (const pqxx::in_doubt_error& e) {
    lease.mark_broken();
    throw Error::unavailable("database_unavailable",
                             "The connection to PostgreSQL was lost while committing.",
                             std::string("postgres: ") + e.what() + where);
  } catch (const pqxx::sql_error& e) {
    const std::string& state = e.sqlstate();
    // Class 08 (connection exception) and 57P0x (the server is shutting down or restarting).
    if (state.rfind("08", 0) == 0 || state.rfind("57P0", 0) == 0) {
      lease.mark_broken();
      throw Error::unavailable("database_unavailable", "The connection to PostgreSQL was lost.",
                               std::string("postgres: ") + e.what() + where);
    }
    if (state == "55P03" || state == "57014") {  // lock_not_available, query_canceled
      throw Error(ErrorKind::unavailable, "database_busy", "The database is busy; try again.",
                  std::string("postgres: ") + e.what() + where);
    }
    throw Error::internal_error("postgres [" + state + "]: " + e.what() + where);
  } catch (const std::exception& e) {
    if (!lease.conn().is_open()) lease.mark_broken();
    throw Error::internal_error(std::string("postgres: ") + e.what() + where);
  }
}

std::string format_double_param(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), d);
  if (ec != std::errc{}) return std::to_string(d);
  return {buf.data(), end};
}

// bytea's hex text form ("\\x0a1b…"): values travel as text parameters, and the server stores
// the bytes.
std::string bytea_hex(std::string_view bytes) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + bytes.size() * 2);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(kDigits[byte >> 4U]);
    out.push_back(kDigits[byte & 0x0FU]);
  }
  return out;
}

std::optional<std::string> bytes_of_bytea_hex(std::string_view text) {
  if (!text.starts_with("\\x") || text.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve((text.size() - 2) / 2);
  for (std::size_t i = 2; i < text.size(); i += 2) {
    const int high = nibble(text[i]);
    const int low = nibble(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>((high << 4) | low));
  }
  return out;
}

Value field_value(const pqxx::field& f, pqxx::oid type) {
  if (f.is_null()) return nullptr;
  const std::string_view text(f.c_str(), f.size());
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid: {
      std::int64_t v = 0;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc{} && ptr == text.data() + text.size()) return v;
      break;
    }
    case kFloat4Oid:
    case kFloat8Oid: {
      double v = 0;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc{} && ptr == text.data() + text.size()) return v;
      break;
    }
    case kByteaOid:
      if (auto bytes = bytes_of_bytea_hex(text)) return std::move(*bytes);
      break;
    case kBoolOid:
      // SQLite has no boolean; 0/1 keeps the two backends alike.
      return static_cast<std::int64_t>(text == "t" ? 1 : 0);
    default:
      break;
  }
  return std::string(text);
}

pqxx::result exec_params(pqxx::transaction_base& tx, std::string_view sql,
                         const std::vector<Value>& params) {
  std::size_t count = 0;
  const std::string text = rewrite_placeholders(sql, &count);
  if (count != params.size()) {
    throw Error::internal_error("postgres: statement takes " + std::to_string(count) +
                                " parameters, got " + std::to_string(params.size()) + ": " +
                                std::string(sql));
  }
  // Every value travels as text in its own parameter slot; nullptr is SQL NULL.
  std::vector<std::string> storage;
  storage.reserve(params.size());
  for (const Value& v : params) {
    if (const auto* n = std::get_if<std::int64_t>(&v)) {
      storage.push_back(std::to_string(*n));
    } else if (const auto* d = std::get_if<double>(&v)) {
      storage.push_back(format_double_param(*d));
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      // libpq ends a text parameter at its first NUL; refuse rather than store a cut value.
      if (s->find('\0') != std::string::npos) {
        throw Error::invalid("invalid_text", "Text must not contain NUL characters.");
      }
      storage.push_back(*s);
    } else if (const auto* b = std::get_if<Bytes>(&v)) {
      storage.push_back(bytea_hex(b->data));
    }
  }
  // Pointers are taken once storage is complete, so no reallocation can move the strings.
  std::vector<const char*> pointers;
  pointers.reserve(params.size());
  std::size_t next = 0;
  for (const Value& v : params) {
    pointers.push_back(std::holds_alternative<std::nullptr_t>(v) ? nullptr
                                                                 : storage[next++].c_str());
  }
  // exec_params uses the extended protocol even without parameters, which also refuses
  // several statements in one call, as SQLite does.
  return tx.exec_params(text, pqxx::prepare::make_dynamic_params(pointers));
}

std::vector<Row> to_rows(const pqxx::result& result) {
  const auto columns = static_cast<std::size_t>(result.columns());
  std::vector<pqxx::oid> types(columns);
  for (std::size_t c = 0; c < columns; ++c) {
    types[c] = result.column_type(static_cast<pqxx::row::size_type>(c));
  }
  std::vector<Row> rows;
  rows.reserve(static_cast<std::size_t>(result.size()));
  for (const auto& r : result) {
    std::vector<Value> values;
    values.reserve(columns);
    for (std::size_t c = 0; c < columns; ++c) {
      values.push_back(field_value(r[static_cast<pqxx::row::size_type>(c)], types[c]));
    }
    rows.emplace_back(std::move(values));
  }
  return rows;
}

// The view of one open transaction that transaction() hands to its callback.
class TransactionDatabase final : public Database {
 public:
  TransactionDatabase(pqxx::work& work, Lease& lease) : work_(work), lease_(lease) {}

  [[nodiscard]] std::string_view backend() const override { return "postgres"; }

  std::vector<Row> query(std::string_view sql, const std::vector<Value>& params) override {
    try {
      return to_rows(exec_params(work_, sql, params));
    } catch (...) {
      rethrow_as_error(lease_, sql);
    }
  }

  std::int64_t execute(std::string_view sql, const std::vector<Value>& params) override {
    try {
      return static_cast<std::int64_t>(exec_params(work_, sql, params).affected_rows());
    } catch (...) {
      rethrow_as_error(lease_, sql);
    }
  }

  void transaction(const std::function<void(Database&)>& fn) override { fn(*this); }

  bool ping() override {
    try {
      (void)query("SELECT 1", {});
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }

  void execute_script(std::string_view sql) override {
    try {
      (void)work_.exec(std::string(sql));
    } catch (...) {
      rethrow_as_error(lease_, sql);
    }
  }

 private:
  pqxx::work& work_;
  Lease& lease_;
};

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(ParsedUrl url)
      : pool_(std::move(url.conninfo), std::move(url.display), url.options.pool_size,
              url.options.acquire_timeout) {
    // Connect now so that a wrong address or password is reported at start, not at first use.
    const Lease lease = pool_.acquire();
  }

  [[nodiscard]] std::string_view backend() const override { return "postgres"; }

  std::vector<Row> query(std::string_view sql, const std::vector<Value>& params) override {
    if (auto* tx = current_transaction()) return tx->query(sql, params);
    Lease lease = pool_.acquire();
    try {
      pqxx::nontransaction ntx(lease.conn());
      return to_rows(exec_params(ntx, sql, params));
    } catch (...) {
      rethrow_as_error(lease, sql);
    }
  }

  std::int64_t execute(std::string_view sql, const std::vector<Value>& params) override {
    if (auto* tx = current_transaction()) return tx->execute(sql, params);
    Lease lease = pool_.acquire();
    try {
      pqxx::nontransaction ntx(lease.conn());
      return static_cast<std::int64_t>(exec_params(ntx, sql, params).affected_rows());
    } catch (...) {
      rethrow_as_error(lease, sql);
    }
  }

  void transaction(const std::function<void(Database&)>& fn) override {
    if (auto* tx = current_transaction()) {
      tx->transaction(fn);
      return;
    }
    // Declared in this order so the transaction ends (rolling back if still open) before the
    // connection goes back to the pool.
    Lease lease = pool_.acquire();
    std::optional<pqxx::work> work;
    try {
      work.emplace(lease.conn());
    } catch (...) {
      rethrow_as_error(lease, "BEGIN");
    }
    TransactionDatabase tx(*work, lease);
    {
      const ActiveTransaction active(*this, tx);
      fn(tx);
    }
    try {
      work->commit();
    } catch (...) {
      rethrow_as_error(lease, "COMMIT");
    }
  }

  bool ping() override {
    try {
      (void)query("SELECT 1", {});
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }

  void execute_script(std::string_view sql) override {
    if (auto* tx = current_transaction()) {
      tx->execute_script(sql);
      return;
    }
    Lease lease = pool_.acquire();
    try {
      pqxx::nontransaction ntx(lease.conn());
      (void)ntx.exec(std::string(sql));
    } catch (...) {
      rethrow_as_error(lease, sql);
    }
  }

 private:
  // Registers tx as the calling thread's transaction while fn runs, so that calls on this
  // object from inside fn join it instead of taking a second connection (which could wait
  // forever on a row the first one has locked).
  class ActiveTransaction {
   public:
    ActiveTransaction(PostgresDatabase& db, TransactionDatabase& tx) : db_(db) {
      const std::lock_guard lock(db_.active_mu_);
      db_.active_[std::this_thread::get_id()] = &tx;
    }
    ActiveTransaction(const ActiveTransaction&) = delete;
    ActiveTransaction& operator=(const ActiveTransaction&) = delete;
    ~ActiveTransaction() {
      const std::lock_guard lock(db_.active_mu_);
      db_.active_.erase(std::this_thread::get_id());
    }

   private:
    PostgresDatabase& db_;
  };

  TransactionDatabase* current_transaction() {
    const std::lock_guard lock(active_mu_);
    const auto it = active_.find(std::this_thread::get_id());
    return it == active_.end() ? nullptr : it->second;
  }

  ConnectionPool pool_;
  std::mutex active_mu_;
  std::unordered_map<std::thread::id, TransactionDatabase*> active_;
};

}  // namespace

std::string rewrite_placeholders(std::string_view sql, std::size_t* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  std::size_t n = 0;
  std::size_t i = 0;
  const std::size_t size = sql.size();
  auto copy_to = [&](std::size_t end) {
    end = std::min(end, size);
    out.append(sql.substr(i, end - i));
    i = end;
  };
  while (i < size) {
    const char c = sql[i];
    const char next = i + 1 < size ? sql[i + 1] : '\0';
    if (c == '\'') {
      // E'…' strings take backslash escapes; standard strings double the quote.
      const bool escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                           (i < 2 || !is_identifier_char(sql[i - 2]));
      std::size_t j = i + 1;
      while (j < size) {
        if (escapes && sql[j] == '\\') {
          j += 2;
        } else if (sql[j] == '\'') {
          if (j + 1 < size && sql[j + 1] == '\'') {
            j += 2;
          } else {
            ++j;
            break;
          }
        } else {
          ++j;
        }
      }
      copy_to(j);
    } else if (c == '"') {
      std::size_t j = i + 1;
      while (j < size) {
        if (sql[j] == '"') {
          if (j + 1 < size && sql[j + 1] == '"') {
            j += 2;
            continue;
          }
          ++j;
          break;
        }
        ++j;
      }
      copy_to(j);
    } else if (c == '-' && next == '-') {
      const auto eol = sql.find('\n', i);
      copy_to(eol == std::string_view::npos ? size : eol);
    } else if (c == '/' && next == '*') {
      const auto close = sql.find("*/", i + 2);
      copy_to(close == std::string_view::npos ? size : close + 2);
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++n);
      ++i;
    } else {
      out += c;
      ++i;
    }
  }
  if (count != nullptr) *count = n;
  return out;
}

std::unique_ptr<Database> open_postgres_database(std::string_view url, PostgresOptions options) {
  return std::make_unique<PostgresDatabase>(parse_url(url, options));
}

}  // namespace dokkerr::store
