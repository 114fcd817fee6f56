#include "store/database.hpp"
#include "users/sql_conflict.hpp"
#include "users/team_store.hpp"

namespace dokkerr::users {
namespace {

using store::Row;

constexpr std::string_view kColumns = "id, org_id, name, policy, created_at";

Team team_from(const Row& row) {
  return Team{row.text(0), row.text(1), row.text(2), row.text(3), row.text(4)};
}

class SqlTeamStore final : public TeamStore {
 public:
  explicit SqlTeamStore(store::Database& db) : db_(db) {}

  void insert(const Team& team) override {
    translate_unique_violation(
        [&] {
          db_.execute(
              "INSERT INTO teams (id, org_id, name, policy, created_at) VALUES (?, ?, ?, ?, ?)",
              {team.id, team.org_id, team.name, team.policy_json, team.created_at});
        },
        "team_exists", "The organization already has a team with that name.");
  }

  std::optional<Team> find(std::string_view id) override {
    const auto rows = db_.query("SELECT " + std::string(kColumns) + " FROM teams WHERE id = ?",
                                {std::string(id)});
    if (rows.empty()) return std::nullopt;
    return team_from(rows.front());
  }

  std::vector<Team> list(std::optional<std::string_view> org_id) override {
    const std::string select = "SELECT " + std::string(kColumns) + " FROM teams ";
    const auto rows =
        org_id ? db_.query(select + "WHERE org_id = ? ORDER BY name", {std::string(*org_id)})
               : db_.query(select + "ORDER BY name");
    std::vector<Team> teams;
    for (const auto& row : rows) teams.push_back(team_from(row));
    return teams;
  }

  bool remove(std::string_view id) override {
    bool removed = false;
    db_.transaction([&](store::Database& tx) {
      tx.execute("DELETE FROM environment_grants WHERE grantee_type = 'team' AND grantee_id = ?",
                 {std::string(id)});
      removed = tx.execute("DELETE FROM teams WHERE id = ?", {std::string(id)}) == 1;
    });
    return removed;
  }

  void set_policy(std::string_view team_id, std::string_view policy_json) override {
    db_.execute("UPDATE teams SET policy = ? WHERE id = ?",
                {std::string(policy_json), std::string(team_id)});
  }

  void put_member(std::string_view team_id, std::string_view user_id,
                  std::string_view role) override {
    db_.transaction([&](store::Database& tx) {
      tx.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?",
                 {std::string(team_id), std::string(user_id)});
      tx.execute("INSERT INTO team_members (team_id, user_id, role) VALUES (?, ?, ?)",
                 {std::string(team_id), std::string(user_id), std::string(role)});
    });
  }

  bool remove_member(std::string_view team_id, std::string_view user_id) override {
    return db_.execute("DELETE FROM team_members WHERE team_id = ? AND user_id = ?",
                       {std::string(team_id), std::string(user_id)}) == 1;
  }

  std::vector<Membership> members(std::string_view team_id) override {
    std::vector<Membership> members;
    for (const auto& row : db_.query(
             "SELECT m.team_id, m.user_id, u.username, m.role FROM team_members m JOIN users u ON "
             "u.id = m.user_id WHERE m.team_id = ? ORDER BY u.username_key",
             {std::string(team_id)})) {
      members.push_back(Membership{row.text(0), row.text(1), row.text(2), row.text(3)});
    }
    return members;
  }

  std::optional<std::string> member_role(std::string_view team_id,
                                         std::string_view user_id) override {
    const auto rows = db_.query("SELECT role FROM team_members WHERE team_id = ? AND user_id = ?",
                                {std::string(team_id), std::string(user_id)});
    if (rows.empty()) return std::nullopt;
    return rows.front().text(0);
  }

 private:
  store::Database& db_;
};

}  // namespace

std::unique_ptr<TeamStore> make_sql_team_store(store::Database& db) {
  return std::make_unique<SqlTeamStore>(db);
}

}  // namespace dokkerr::users
