#include "backup/database_dump.hpp"

#include "core/error.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <fcntl.h>
#include <fstream>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;  // NOLINT: POSIX; the child inherits the server's environment

namespace dokkerr::backup {
namespace {

namespace fs = std::filesystem;

constexpr auto kDumpLimit = std::chrono::hours(6);

bool is_postgres(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

// libpq reads the password from PGPASSWORD so it never shows in the process list.
struct LibpqTarget {
  std::string url_without_password;
  std::string password;
};

LibpqTarget libpq_target(std::string_view database_url) {
  auto parsed = boost::urls::parse_uri(database_url);
  if (!parsed) throw Error::invalid("invalid_database_url", "The database URL cannot be read.");
  boost::urls::url url(*parsed);
  LibpqTarget target;
  target.password = url.password();
  url.remove_password();
  target.url_without_password = std::string(url.buffer());
  return target;
}

std::string tail_of(const fs::path& log, std::size_t max_bytes) {
  std::ifstream in(log, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max_bytes) text.erase(0, text.size() - max_bytes);
  return text;
}

}  // namespace

int run_program(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                const fs::path& log_file, std::chrono::seconds limit) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const auto& extra : extra_env) env_strings.push_back(extra);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw Error::unavailable("backup_tool_missing", "A program the backup needs is not installed.",
                             argv[0] + ": " + std::strerror(rc));
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto wait = std::chrono::milliseconds(5);
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (done < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, std::chrono::milliseconds(200));
  }
}

fs::path sqlite_file_of(std::string_view database_url, const fs::path& data_dir) {
  constexpr std::string_view kScheme = "sqlite://";
  if (!database_url.starts_with(kScheme)) return {};
  const fs::path path(std::string(database_url.substr(kScheme.size())));
  return path.is_absolute() ? path : data_dir / path;
}

std::string dump_database(store::Database& db, std::string_view database_url, const fs::path& dir) {
  if (db.backend() == "sqlite") {
    const auto file = dir / "dokkerr.db";
    db.execute("VACUUM INTO ?", {file.string()});
    return "dokkerr.db";
  }
  if (!is_postgres(database_url)) throw Error::internal_error("unknown database backend");
  const auto target = libpq_target(database_url);
  const auto log = dir / "pg_dump.log";
  const int rc =
      run_program({"pg_dump", "--no-owner", "--no-privileges", "--quote-all-identifiers", "--file",
                   (dir / "dump.sql").string(), "--dbname", target.url_without_password},
                  {"PGPASSWORD=" + target.password, "PGCONNECT_TIMEOUT=10"}, log, kDumpLimit);
  if (rc != 0) {
    throw Error::unavailable("database_unavailable", "The database could not be copied.",
                             "pg_dump: " + tail_of(log, 2000));
  }
  fs::remove(log);
  return "dump.sql";
}

bool database_is_empty(std::string_view database_url, const fs::path& data_dir) {
  if (!is_postgres(database_url)) {
    const auto file = sqlite_file_of(database_url, data_dir);
    std::error_code ec;
    return !fs::exists(file, ec) || fs::file_size(file, ec) == 0;
  }
  const auto target = libpq_target(database_url);
  const auto log = data_dir / ".restore-check.log";
  const int rc = run_program({"psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "--dbname",
                              target.url_without_password, "-c",
                              "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN "
                              "('pg_catalog','information_schema')"},
                             {"PGPASSWORD=" + target.password, "PGCONNECT_TIMEOUT=10"}, log,
                             std::chrono::seconds(60));
  const auto output = tail_of(log, 2000);
  fs::remove(log);
  if (rc != 0) {
    throw Error::unavailable("database_unavailable", "The database cannot be reached.",
                             "psql: " + output);
  }
  return output.starts_with("0");
}

void load_database(const fs::path& dump_file, std::string_view database_url,
                   const fs::path& data_dir) {
  if (!is_postgres(database_url)) {
    const auto file = sqlite_file_of(database_url, data_dir);
    fs::create_directories(file.parent_path());
    std::error_code ec;
    fs::remove(file, ec);  // an empty file left by an earlier start
    fs::rename(dump_file, file);
    return;
  }
  const auto target = libpq_target(database_url);
  const auto log = dump_file.parent_path() / "psql.log";
  const int rc =
      run_program({"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "--file",
                   dump_file.string(), "--dbname", target.url_without_password},
                  {"PGPASSWORD=" + target.password, "PGCONNECT_TIMEOUT=10"}, log, kDumpLimit);
  if (rc != 0) {
    throw Error::unavailable("database_unavailable",
                             "The database refused the restore; nothing was applied.",
                             "psql: " + tail_of(log, 2000));
  }
}

}  // namespace dokkerr::backup
