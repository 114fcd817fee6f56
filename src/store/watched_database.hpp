#pragma once
// A Database that notices committed writes a cache depends on. Every statement that goes through
// it is classified by what it writes (see WriteTarget); when one a `WatchedWrites` rule selects
// changes at least one row, the change counter named by the rule is raised in the same
// transaction (table change_versions, so other processes on the same database see it) and, once
// the transaction has committed, the local Generation advances.
//
// Watching at this level rather than in each store means a write added later cannot forget to
// invalidate: it is classified like every other statement.
#include "core/generation.hpp"
#include "store/database.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace dokkerr::store {

// What a statement writes, read from its text: "UPDATE t SET c = …", "DELETE FROM t …",
// "INSERT INTO t …". verb is empty for anything else (SELECT, DDL). Names are lower case;
// set_column is the first assigned column of an UPDATE.
struct WriteTarget {
  std::string verb;  // "insert" | "update" | "delete" | ""
  std::string table;
  std::string set_column;
};
[[nodiscard]] WriteTarget write_target(std::string_view sql);

// The counter a write raises, or "" when it raises none.
using WatchedWrites = std::function<std::string_view(const WriteTarget&)>;

class WatchedDatabase final : public Database {
 public:
  // `changed` advances after each committed watched write.
  WatchedDatabase(std::unique_ptr<Database> inner, WatchedWrites watched, Generation& changed);

  [[nodiscard]] std::string_view backend() const override { return inner_->backend(); }
  std::vector<Row> query(std::string_view sql, const std::vector<Value>& params) override;
  std::int64_t execute(std::string_view sql, const std::vector<Value>& params) override;
  void transaction(const std::function<void(Database&)>& fn) override;
  bool ping() override { return inner_->ping(); }
  void execute_script(std::string_view sql) override;

  // Called after each commit that raised counters, with their names (to tell other replicas at
  // once). Set before the database is shared between threads.
  using CommitListener = std::function<void(const std::vector<std::string>& counters)>;
  void on_commit(CommitListener listener) { on_commit_ = std::move(listener); }

  // The database underneath, for reads that must not be classified (the change poller).
  [[nodiscard]] Database& inner() { return *inner_; }

 private:
  class Transaction;
  // Counters a transaction open on a thread has raised so far (nullptr: none open there).
  std::vector<std::string>* open_transaction();
  std::int64_t watched_execute(Database& tx, std::string_view sql, const std::vector<Value>& params,
                               std::vector<std::string>& raised);

  std::unique_ptr<Database> inner_;
  WatchedWrites watched_;
  Generation& changed_;
  CommitListener on_commit_;
  std::mutex open_mutex_;
  std::unordered_map<std::thread::id, std::vector<std::string>*> open_;
};

// The current value of a change counter (0 when it was never raised). Reads the given database
// directly; pass WatchedDatabase::inner().
[[nodiscard]] std::int64_t change_version(Database& db, std::string_view counter);

}  // namespace dokkerr::store
