#include "store/watched_database.hpp"

#include <algorithm>
#include <cctype>

namespace dokkerr::store {
namespace {

// The next SQL word (letters, digits, underscore), lower-cased; skips leading white space.
std::string next_word(std::string_view& sql) {
  while (!sql.empty() && std::isspace(static_cast<unsigned char>(sql.front())) != 0) {
    sql.remove_prefix(1);
  }
  std::string word;
  while (!sql.empty() &&
         (std::isalnum(static_cast<unsigned char>(sql.front())) != 0 || sql.front() == '_')) {
    word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(sql.front()))));
    sql.remove_prefix(1);
  }
  return word;
}

void raise(Database& tx, const std::vector<std::string>& counters) {
  for (const auto& counter : counters) {
    if (tx.execute("UPDATE change_versions SET version = version + 1 WHERE name = ?", {counter}) ==
        0) {
      tx.execute("INSERT INTO change_versions (name, version) VALUES (?, 1)", {counter});
    }
  }
}

}  // namespace

WriteTarget write_target(std::string_view sql) {
  WriteTarget target;
  const auto verb = next_word(sql);
  if (verb == "insert") {
    if (next_word(sql) != "into") return {};
    target.table = next_word(sql);
  } else if (verb == "delete") {
    if (next_word(sql) != "from") return {};
    target.table = next_word(sql);
  } else if (verb == "update") {
    target.table = next_word(sql);
    if (next_word(sql) != "set") return {};
    target.set_column = next_word(sql);
  } else {
    return {};
  }
  if (target.table.empty()) return {};
  target.verb = verb;
  return target;
}

// The view of the database a transaction's function gets: the inner transaction, with its
// writes classified.
class WatchedDatabase::Transaction final : public Database {
 public:
  Transaction(WatchedDatabase& owner, Database& tx, std::vector<std::string>& raised)
      : owner_(owner), tx_(tx), raised_(raised) {}
  [[nodiscard]] std::string_view backend() const override { return tx_.backend(); }
  std::vector<Row> query(std::string_view sql, const std::vector<Value>& params) override {
    return tx_.query(sql, params);
  }
  std::int64_t execute(std::string_view sql, const std::vector<Value>& params) override {
    return owner_.watched_execute(tx_, sql, params, raised_);
  }
  void transaction(const std::function<void(Database&)>& fn) override { fn(*this); }
  bool ping() override { return tx_.ping(); }
  void execute_script(std::string_view sql) override { tx_.execute_script(sql); }

 private:
  WatchedDatabase& owner_;
  Database& tx_;
  std::vector<std::string>& raised_;
};

WatchedDatabase::WatchedDatabase(std::unique_ptr<Database> inner, WatchedWrites watched,
                                 Generation& changed)
    : inner_(std::move(inner)), watched_(std::move(watched)), changed_(changed) {}

std::vector<std::string>* WatchedDatabase::open_transaction() {
  const std::lock_guard lock(open_mutex_);
  const auto found = open_.find(std::this_thread::get_id());
  return found == open_.end() ? nullptr : found->second;
}

std::int64_t WatchedDatabase::watched_execute(Database& tx, std::string_view sql,
                                              const std::vector<Value>& params,
                                              std::vector<std::string>& raised) {
  const auto affected = tx.execute(sql, params);
  if (affected > 0) {
    const auto counter = watched_(write_target(sql));
    if (!counter.empty() && std::find(raised.begin(), raised.end(), counter) == raised.end()) {
      raised.emplace_back(counter);
    }
  }
  return affected;
}

std::vector<Row> WatchedDatabase::query(std::string_view sql, const std::vector<Value>& params) {
  return inner_->query(sql, params);
}

std::int64_t WatchedDatabase::execute(std::string_view sql, const std::vector<Value>& params) {
  if (watched_(write_target(sql)).empty()) return inner_->execute(sql, params);
  std::int64_t affected = 0;
  transaction([&](Database& tx) { affected = tx.execute(sql, params); });
  return affected;
}

void WatchedDatabase::transaction(const std::function<void(Database&)>& fn) {
  // A call made on this object from inside a transaction's function joins that transaction (as
  // the inner database does): what it raises is counted when the outer one commits.
  if (auto* raised = open_transaction()) {
    inner_->transaction([&](Database& tx) {
      Transaction view(*this, tx, *raised);
      fn(view);
    });
    return;
  }
  std::vector<std::string> raised;
  const auto thread = std::this_thread::get_id();
  {
    const std::lock_guard lock(open_mutex_);
    open_[thread] = &raised;
  }
  try {
    inner_->transaction([&](Database& tx) {
      raised.clear();  // a retried transaction starts over
      Transaction view(*this, tx, raised);
      fn(view);
      // In the same transaction: other processes see the counter move exactly when the change
      // becomes visible.
      raise(tx, raised);
    });
  } catch (...) {
    const std::lock_guard lock(open_mutex_);
    open_.erase(thread);
    throw;
  }
  {
    const std::lock_guard lock(open_mutex_);
    open_.erase(thread);
  }
  // After the commit, never before: a cache filled between the two would keep the old value.
  if (!raised.empty()) {
    changed_.advance();
    if (on_commit_) on_commit_(raised);
  }
}

void WatchedDatabase::execute_script(std::string_view sql) {
  inner_->execute_script(sql);
}

std::int64_t change_version(Database& db, std::string_view counter) {
  const auto rows =
      db.query("SELECT version FROM change_versions WHERE name = ?", {std::string(counter)});
  return rows.empty() ? 0 : rows.front().integer(0);
}

}  // namespace dokkerr::store
