#pragma once
// Stacks whose Compose file lives in a Git repository: where it is, and the `git` binary that
// fetches it. No C++ Git library is packaged here (libgit2's Debian build lacks what we need to
// pin the address), so the git CLI runs with a fixed, locked-down configuration:
// - only https:// (and file://, for platform admins only: it reads the server's own disk);
// - https hosts are resolved and checked first (every address public, or listed with
//   --git-allow) and git is made to dial that address (http.curloptResolve), never to follow a
//   redirect, never to prompt, never to read a system or user configuration or credential helper;
// - a shallow clone into a scratch directory that is removed afterwards, bounded in time.
#include "core/address_set.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace dokkerr::stacks {

struct GitLocation {
  std::string url;
  std::string ref = "main";                  // a branch or tag
  std::string path = "docker-compose.yml";  // the Compose file, relative to the repository
};

struct GitRules {
  bool allow_file = false;  // file:// URLs (platform admins)
  AddressSet allowed;       // private addresses https URLs may still reach
};

struct GitFile {
  std::string commit;  // the full hash `ref` named
  std::string content;
};

class GitRepositories {
 public:
  virtual ~GitRepositories() = default;
  // Blocking. The commit `ref` names now (git ls-remote).
  virtual std::string head(const GitLocation& where, const GitRules& rules) = 0;
  // Blocking. The file at `path` in that commit (at most 256 KiB).
  virtual GitFile fetch(const GitLocation& where, const GitRules& rules) = 0;
};

// 400 invalid_git_source unless the URL is https://host/… (or file:///… when allowed), the ref
// 1-200 of [A-Za-z0-9._/-] not starting with '-' or holding "..", and the path relative without
// "..".
void check_git_location(const GitLocation& where, bool allow_file);

// The git CLI, with `scratch` for its clones and `timeout` for each command.
std::unique_ptr<GitRepositories> make_git_cli(std::filesystem::path scratch,
                                              std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace dokkerr::stacks
