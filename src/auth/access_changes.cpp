#include "auth/access_changes.hpp"

#include <array>
#include <algorithm>

namespace dokkerr::auth {
namespace {

constexpr std::array<std::string_view, 10> kAccessTables = {
    "users",       "sessions",     "api_keys",           "organizations", "org_members",
    "roles",       "teams",        "team_members",       "environment_grants", "settings"};

// A new account, session, key, organization, team or role grants nothing until a membership,
// grant or setting (all watched) refers to it.
constexpr std::array<std::string_view, 6> kInsertsThatGrantNothing = {
    "users", "sessions", "api_keys", "organizations", "teams", "roles"};

struct Stamp {
  std::string_view table, column;
};
// Bookkeeping on every sign-in, refresh or key use: the cached caller does not read these.
constexpr std::array<Stamp, 4> kStamps = {{{"users", "last_login_at"},
                                           {"users", "mfa_last_step"},
                                           {"sessions", "last_used_at"},
                                           {"api_keys", "last_used_at"}}};

bool contains(const auto& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

std::string_view access_counter(const store::WriteTarget& write) {
  if (write.verb.empty() || !contains(kAccessTables, write.table)) return {};
  if (write.verb == "insert" && contains(kInsertsThatGrantNothing, write.table)) return {};
  if (write.verb == "update" &&
      std::any_of(kStamps.begin(), kStamps.end(), [&](const Stamp& stamp) {
        return stamp.table == write.table && stamp.column == write.set_column;
      })) {
    return {};
  }
  return kAccessCounter;
}

}  // namespace dokkerr::auth
