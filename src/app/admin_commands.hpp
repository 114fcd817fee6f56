#pragma once
// `dokkerr admin …`: offline maintenance on a data dir and database, without a running server.
#include <cstdint>
#include <filesystem>
#include <string>

namespace CLI {
class App;
}

namespace dokkerr::app {

struct AdminOptions {
  std::filesystem::path data_dir;
  std::string database_url;
  std::string username;
  std::filesystem::path password_file;
  bool make_admin = false;
  std::string anchor;
  std::string jwt_algorithm = "hs256";
  std::string object_store_url;
  std::filesystem::path passphrase_file;
  std::string backup_from = "latest";
  std::uint32_t backup_kdf_memory_kib = 65536;
  std::string object_key;
  std::filesystem::path object_file;
  bool object_stream = false;
  bool audit_archives = false;
};

// Adds the `admin` command and its subcommands; returns it.
CLI::App* add_admin_commands(CLI::App& app, AdminOptions& options);
int run_admin(CLI::App& admin, const AdminOptions& options);

}  // namespace dokkerr::app
