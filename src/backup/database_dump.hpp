#pragma once
// A consistent copy of the database while the server runs, and putting it back into an empty
// one. SQLite: `VACUUM INTO` (one read transaction: the same guarantee as the online backup API,
// through the Database interface, and compacted). PostgreSQL: `pg_dump` (a repeatable-read
// snapshot) restored with `psql --single-transaction`, so a failed restore leaves nothing.
#include "store/database.hpp"

#include <chrono>
#include <filesystem>
#include <string>

namespace dokkerr::backup {

// Writes the copy into dir and returns the file's name inside it ("dokkerr.db" or "dump.sql").
std::string dump_database(store::Database& db, std::string_view database_url,
                          const std::filesystem::path& dir);

// The file of a SQLite url (sqlite:///abs or sqlite://relative under data_dir); empty for others.
std::filesystem::path sqlite_file_of(std::string_view database_url,
                                     const std::filesystem::path& data_dir);

// True when the target holds no Dokkerr data: a missing or empty SQLite file, a PostgreSQL
// database without tables.
bool database_is_empty(std::string_view database_url, const std::filesystem::path& data_dir);

// Puts a dump_database() copy into the (empty) target. Error{unavailable,
// "database_unavailable"} with psql's message when PostgreSQL refuses it (nothing is applied).
void load_database(const std::filesystem::path& dump_file, std::string_view database_url,
                   const std::filesystem::path& data_dir);

// Runs a program (found on PATH) with extra environment variables, stdin from /dev/null and its
// output into log_file; waits at most `limit`. Returns the exit code; -1 if it was killed.
int run_program(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                const std::filesystem::path& log_file, std::chrono::seconds limit);

}  // namespace dokkerr::backup
