#pragma once
// Schema changes, numbered and applied in order when the database opens. A migration is never
// edited once released: change the schema with a new one. The SQL must run on SQLite and
// PostgreSQL alike (TEXT, INTEGER/BIGINT, DOUBLE PRECISION; no AUTOINCREMENT or SERIAL).
#include "store/database.hpp"

#include <span>
#include <string_view>

namespace dokkerr::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;  // one or more `;`-separated statements
};

// Every migration of the program, by ascending version.
[[nodiscard]] std::span<const Migration> migrations();

// Applies those of list (ascending versions) not yet recorded in schema_migrations, each in its
// own transaction together with its schema_migrations row. On PostgreSQL a transaction-scoped
// advisory lock makes replicas that start together apply each migration once. Returns how many
// were applied. migrate(db) in database.hpp is migrate(db, migrations()).
int migrate(Database& db, std::span<const Migration> list);

}  // namespace dokkerr::store
