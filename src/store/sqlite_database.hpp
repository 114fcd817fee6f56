#pragma once
// The embedded backend: one SQLite connection shared by every thread, calls serialized.
#include "store/database.hpp"

#include <filesystem>
#include <memory>

namespace dokkerr::store {

// Opens the SQLite file at path, creating it (mode 0600) and its parent directories when
// missing, with a WAL journal, synchronous=FULL, busy_timeout 5000 ms and foreign keys on.
// Does not migrate (open_database does). Throws Error unavailable "database_unavailable" when the
// file cannot be opened or is not a SQLite database.
[[nodiscard]] std::unique_ptr<Database> open_sqlite_database(const std::filesystem::path& path);

}  // namespace dokkerr::store
