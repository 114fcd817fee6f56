#include "core/error.hpp"
#include "core/secret_sealer.hpp"
#include "stacks/stack_store.hpp"
#include "store/database.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace dokkerr::stacks {
namespace {

namespace bj = boost::json;

constexpr std::string_view kColumns =
    "id, environment, name, team_id, compose, inputs, version, status, error, created_by, "
    "created_at, updated_at, auto_update, git_url, git_ref, git_path, git_commit";

// The variables and env files of one version, sealed under a context naming the stack, so a
// sealed value copied to another stack's row does not open there.
std::string context_of(std::string_view stack_id) {
  return "stack-inputs:" + std::string(stack_id);
}

bj::object object_of(const std::map<std::string, std::string>& values) {
  bj::object out;
  for (const auto& [key, value] : values) out[key] = value;
  return out;
}

std::map<std::string, std::string> map_of(const bj::value& value) {
  std::map<std::string, std::string> out;
  if (const auto* object = value.if_object()) {
    for (const auto& [key, item] : *object) {
      if (item.is_string()) out[std::string(key)] = std::string(item.as_string());
    }
  }
  return out;
}

class SqlStackStore final : public StackStore {
 public:
  SqlStackStore(store::Database& db, const SecretSealer& sealer) : db_(db), sealer_(sealer) {}

  void insert(const Stack& s) override {
    try {
      db_.execute(
          "INSERT INTO stacks (" + std::string(kColumns) +
              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {s.id, s.environment, s.name, s.team_id, s.source.compose, seal(s.id, s.source),
           std::int64_t{s.version}, s.status, s.error, s.created_by, s.created_at, s.updated_at,
           std::int64_t{s.auto_update ? 1 : 0}, s.git ? s.git->url : "", s.git ? s.git->ref : "",
           s.git ? s.git->path : "", s.git_commit});
    } catch (const Error& error) {
      if (error.code() != "unique_violation") throw;
      throw Error::conflict("stack_exists", "The environment has a stack named " + s.name + ".");
    }
  }

  void update(const Stack& s) override {
    db_.execute(
        "UPDATE stacks SET compose = ?, inputs = ?, version = ?, status = ?, error = ?, "
        "updated_at = ?, auto_update = ?, git_url = ?, git_ref = ?, git_path = ?, git_commit = ? "
        "WHERE id = ?",
        {s.source.compose, seal(s.id, s.source), std::int64_t{s.version}, s.status, s.error,
         s.updated_at, std::int64_t{s.auto_update ? 1 : 0}, s.git ? s.git->url : "",
         s.git ? s.git->ref : "", s.git ? s.git->path : "", s.git_commit, s.id});
  }

  std::optional<Stack> get(std::string_view id) override {
    const auto rows = db_.query("SELECT " + std::string(kColumns) + " FROM stacks WHERE id = ?",
                                {std::string(id)});
    if (rows.empty()) return std::nullopt;
    return stack_of(rows.front());
  }

  std::optional<Stack> find(std::string_view environment, std::string_view name) override {
    const auto rows = db_.query(
        "SELECT " + std::string(kColumns) + " FROM stacks WHERE environment = ? AND name = ?",
        {std::string(environment), std::string(name)});
    if (rows.empty()) return std::nullopt;
    return stack_of(rows.front());
  }

  std::vector<Stack> list(std::string_view environment,
                          const std::optional<std::set<std::string, std::less<>>>& teams) override {
    if (teams && teams->empty()) return {};
    std::string sql = "SELECT " + std::string(kColumns) + " FROM stacks WHERE environment = ?";
    std::vector<store::Value> params{std::string(environment)};
    if (teams) {
      sql += " AND team_id IN (";
      bool first = true;
      for (const auto& team : *teams) {
        sql += first ? "?" : ", ?";
        first = false;
        params.emplace_back(team);
      }
      sql += ")";
    }
    sql += " ORDER BY name";
    std::vector<Stack> out;
    for (const auto& row : db_.query(sql, params)) out.push_back(stack_of(row));
    return out;
  }

  std::size_t count(std::string_view environment) override {
    const auto rows =
        db_.query("SELECT COUNT(*) FROM stacks WHERE environment = ?", {std::string(environment)});
    return rows.empty() ? 0 : static_cast<std::size_t>(rows.front().integer(0));
  }

  std::vector<Stack> auto_updating() override {
    std::vector<Stack> out;
    for (const auto& row : db_.query("SELECT " + std::string(kColumns) +
                                     " FROM stacks WHERE auto_update = 1 ORDER BY environment, name")) {
      out.push_back(stack_of(row));
    }
    return out;
  }

  std::vector<Stack> from_git() override {
    std::vector<Stack> out;
    for (const auto& row : db_.query("SELECT " + std::string(kColumns) +
                                     " FROM stacks WHERE git_url <> '' ORDER BY environment, name")) {
      out.push_back(stack_of(row));
    }
    return out;
  }

  void remove(std::string_view id) override {
    db_.transaction([&](store::Database& tx) {
      tx.execute("DELETE FROM stack_versions WHERE stack_id = ?", {std::string(id)});
      tx.execute("DELETE FROM stack_hooks WHERE stack_id = ?", {std::string(id)});
      tx.execute("DELETE FROM stacks WHERE id = ?", {std::string(id)});
    });
  }

  void add_version(std::string_view stack_id, const StackVersion& v) override {
    db_.execute(
        "INSERT INTO stack_versions (stack_id, version, compose, inputs, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        {std::string(stack_id), std::int64_t{v.version}, v.source.compose, seal(stack_id, v.source),
         v.created_by, v.created_at});
  }

  std::vector<StackVersion> versions(std::string_view stack_id, std::size_t limit) override {
    std::vector<StackVersion> out;
    for (const auto& row :
         db_.query("SELECT version, compose, inputs, created_by, created_at FROM stack_versions "
                   "WHERE stack_id = ? ORDER BY version DESC LIMIT ?",
                   {std::string(stack_id), static_cast<std::int64_t>(limit)})) {
      StackVersion v;
      v.version = static_cast<int>(row.integer(0));
      v.source = open(stack_id, row.text(1), row.text(2));
      v.created_by = row.text(3);
      v.created_at = row.text(4);
      out.push_back(std::move(v));
    }
    return out;
  }

  void put_hook(const StackHook& h) override {
    db_.transaction([&](store::Database& tx) {
      tx.execute("DELETE FROM stack_hooks WHERE stack_id = ?", {h.stack_id});
      tx.execute(
          "INSERT INTO stack_hooks (stack_id, token_hash, created_by, created_at, last_used_at) "
          "VALUES (?, ?, ?, ?, ?)",
          {h.stack_id, h.token_hash, h.created_by, h.created_at, h.last_used_at});
    });
  }

  bool remove_hook(std::string_view stack_id) override {
    return db_.execute("DELETE FROM stack_hooks WHERE stack_id = ?", {std::string(stack_id)}) > 0;
  }

  std::optional<StackHook> hook_of(std::string_view stack_id) override {
    return one_hook("stack_id", stack_id);
  }

  std::optional<StackHook> hook_by_token(std::string_view token_hash) override {
    return one_hook("token_hash", token_hash);
  }

  void hook_used(std::string_view stack_id, std::string_view at) override {
    db_.execute("UPDATE stack_hooks SET last_used_at = ? WHERE stack_id = ?",
                {std::string(at), std::string(stack_id)});
  }

 private:
  std::optional<StackHook> one_hook(std::string_view column, std::string_view value) {
    const auto rows = db_.query(
        "SELECT stack_id, token_hash, created_by, created_at, last_used_at FROM stack_hooks "
        "WHERE " + std::string(column) + " = ?",
        {std::string(value)});
    if (rows.empty()) return std::nullopt;
    const auto& row = rows.front();
    return StackHook{row.text(0), row.text(1), row.text(2), row.text(3), row.text(4)};
  }

  std::string seal(std::string_view stack_id, const StackSource& source) const {
    const auto text = bj::serialize(bj::object{{"variables", object_of(source.variables)},
                                               {"env_files", object_of(source.env_files)}});
    return sealer_.seal(text, context_of(stack_id));
  }

  StackSource open(std::string_view stack_id, std::string compose,
                   const std::string& sealed) const {
    StackSource source;
    source.compose = std::move(compose);
    const auto inputs = bj::parse(sealer_.open(sealed, context_of(stack_id)));
    source.variables = map_of(inputs.at("variables"));
    source.env_files = map_of(inputs.at("env_files"));
    return source;
  }

  Stack stack_of(const store::Row& row) const {
    Stack s;
    s.id = row.text(0);
    s.environment = row.text(1);
    s.name = row.text(2);
    s.team_id = row.text(3);
    s.source = open(s.id, row.text(4), row.text(5));
    s.version = static_cast<int>(row.integer(6));
    s.status = row.text(7);
    s.error = row.text(8);
    s.created_by = row.text(9);
    s.created_at = row.text(10);
    s.updated_at = row.text(11);
    s.auto_update = row.integer(12) != 0;
    if (!row.text(13).empty()) s.git = GitLocation{row.text(13), row.text(14), row.text(15)};
    s.git_commit = row.text(16);
    return s;
  }

  store::Database& db_;
  const SecretSealer& sealer_;
};

}  // namespace

std::unique_ptr<StackStore> make_sql_stack_store(store::Database& db, const SecretSealer& sealer) {
  return std::make_unique<SqlStackStore>(db, sealer);
}

}  // namespace dokkerr::stacks
