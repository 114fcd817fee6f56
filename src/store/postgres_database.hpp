#pragma once
// The backend for replicas: PostgreSQL through libpqxx, with a bounded connection pool.
#include "store/database.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace dokkerr::store {

struct PostgresOptions {
  std::size_t pool_size = 8;                        // connections open at most
  std::chrono::milliseconds acquire_timeout{5000};  // wait for a free connection at most this long
  std::chrono::seconds connect_timeout{5};          // libpq connect_timeout, unless the url sets it
};

// Opens a pool on url (a libpq URI, postgres:// or postgresql://) and connects once so that a
// wrong address fails here. The url may carry pool_size=N and pool_timeout_ms=N, which override
// options and are not passed to libpq. Does not migrate (open_database does).
// Throws Error unavailable "database_unavailable" (the detail names the server, never the
// password) or Error invalid "invalid_database_url".
[[nodiscard]] std::unique_ptr<Database> open_postgres_database(std::string_view url,
                                                               PostgresOptions options = {});

// Rewrites `?` placeholders to $1..$n, leaving alone those inside quoted strings, quoted
// identifiers and comments. Stores how many it rewrote in *count when count is given.
[[nodiscard]] std::string rewrite_placeholders(std::string_view sql, std::size_t* count = nullptr);

}  // namespace dokkerr::store
