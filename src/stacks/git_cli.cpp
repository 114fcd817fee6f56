#include "core/error.hpp"
#include "core/ids.hpp"
#include "http/pinned_host.hpp"
#include "stacks/git_source.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <variant>
#include <vector>

extern char** environ;

namespace dokkerr::stacks {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxComposeBytes = 256 * 1024;
constexpr std::size_t kMaxMessageBytes = 2048;

Error invalid(std::string detail) { return Error::invalid("invalid_git_source", std::move(detail)); }

Error unreachable(std::string detail) {
  return {ErrorKind::bad_gateway, "git_unreachable", std::move(detail)};
}

bool is_ref(std::string_view ref) {
  if (ref.empty() || ref.size() > 200 || ref.front() == '-' || ref.find("..") != ref.npos ||
      ref.back() == '/' || ref.back() == '.') {
    return false;
  }
  return std::all_of(ref.begin(), ref.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '/' || c == '-';
  });
}

bool is_relative_path(std::string_view path) {
  if (path.empty() || path.size() > 255 || path.front() == '/' || path.front() == '-') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto part = path.substr(start, slash == path.npos ? path.npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == path.npos) break;
    start = slash + 1;
  }
  return std::all_of(path.begin(), path.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '/' || c == '-';
  });
}

struct Outcome {
  int exit_code = -1;
  bool timed_out = false;
  std::string out, err;
};

std::string read_bounded(const fs::path& file, std::size_t limit, bool& too_long) {
  std::ifstream in(file, std::ios::binary);
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  too_long = text.size() > limit;
  if (too_long) text.resize(limit);
  return text;
}

// The last line git wrote to stderr, without anything that looks like a credential.
std::string reason_of(const std::string& err) {
  std::string text = err;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const auto last = text.rfind('\n');
  if (last != std::string::npos) text = text.substr(last + 1);
  if (text.size() > 300) text.resize(300);
  std::replace_if(text.begin(), text.end(), [](unsigned char c) { return c < 0x20; }, ' ');
  return text.empty() ? "git failed" : text;
}

class GitCli final : public GitRepositories {
 public:
  GitCli(fs::path scratch, std::chrono::seconds timeout)
      : scratch_(std::move(scratch)), timeout_(timeout) {}

  std::string head(const GitLocation& where, const GitRules& rules) override {
    check_git_location(where, rules.allow_file);
    const auto work = make_work_dir();
    const Cleanup cleanup{work};
    auto args = base_args(where, rules);
    args.insert(args.end(), {"ls-remote", "--", where.url, "refs/heads/" + where.ref,
                             "refs/tags/" + where.ref, "refs/tags/" + where.ref + "^{}"});
    const auto done = run(args, work, work, 64 * 1024);
    if (done.exit_code != 0) throw unreachable("git ls-remote: " + reason_of(done.err));
    // A tag's peeled line (^{}) names the commit; a branch's line is the commit.
    std::string commit;
    std::size_t start = 0;
    while (start < done.out.size()) {
      auto end = done.out.find('\n', start);
      if (end == std::string::npos) end = done.out.size();
      const auto line = std::string_view(done.out).substr(start, end - start);
      const auto tab = line.find('\t');
      if (tab == 40 && (commit.empty() || line.ends_with("^{}"))) commit = line.substr(0, 40);
      start = end + 1;
    }
    if (commit.empty()) {
      throw Error::not_found("git_ref_not_found",
                             "The repository has no branch or tag named " + where.ref + ".");
    }
    return commit;
  }

  GitFile fetch(const GitLocation& where, const GitRules& rules) override {
    check_git_location(where, rules.allow_file);
    const auto work = make_work_dir();
    const Cleanup cleanup{work};
    auto clone = base_args(where, rules);
    clone.insert(clone.end(), {"clone", "--quiet", "--depth", "1", "--single-branch", "--no-tags",
                               "--no-checkout", "--branch", where.ref, "--", where.url, "repo"});
    const auto cloned = run(clone, work, work, 64 * 1024);
    if (cloned.exit_code != 0) {
      if (cloned.err.find("not found in upstream") != std::string::npos) {
        throw Error::not_found("git_ref_not_found",
                               "The repository has no branch or tag named " + where.ref + ".");
      }
      throw unreachable("git clone: " + reason_of(cloned.err));
    }
    GitFile file;
    const auto repo = work / "repo";
    const auto commit = run({"git", "-C", repo.string(), "rev-parse", "HEAD"}, work, work, 128);
    if (commit.exit_code != 0 || commit.out.size() < 40) throw unreachable("git rev-parse failed");
    file.commit = commit.out.substr(0, 40);
    const auto shown = run({"git", "-C", repo.string(), "show", "HEAD:" + where.path}, work, work,
                           kMaxComposeBytes + 1);
    if (shown.exit_code != 0) {
      throw Error::not_found("git_file_not_found",
                             "The repository has no file " + where.path + " at " + where.ref + ".");
    }
    if (shown.out.size() > kMaxComposeBytes) {
      throw Error(ErrorKind::payload_too_large, "invalid_compose",
                  "The Compose file is larger than 256 KiB.");
    }
    file.content = shown.out;
    return file;
  }

 private:
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  };

  fs::path make_work_dir() const {
    auto dir = scratch_ / random_hex(12);
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    return dir;
  }

  // git with the configuration this file's header describes; the https host pinned to its
  // checked address.
  static std::vector<std::string> base_args(const GitLocation& where, const GitRules& rules) {
    std::vector<std::string> args{"git",
                                  "-c", "protocol.allow=never",
                                  "-c", "protocol.https.allow=always",
                                  "-c", "http.followRedirects=false",
                                  "-c", "credential.helper=",
                                  "-c", "core.hooksPath=/dev/null",
                                  "-c", "core.fsmonitor=false"};
    if (rules.allow_file) args.insert(args.end(), {"-c", "protocol.file.allow=always"});
    const auto parsed = boost::urls::parse_absolute_uri(where.url);
    if (parsed->scheme_id() == boost::urls::scheme::https) {
      std::string host(parsed->encoded_host_address());
      if (host.starts_with('[')) host = host.substr(1, host.size() - 2);
      const std::string port = parsed->has_port() ? std::string(parsed->port()) : "443";
      const auto pinned = http::pin_host(host, port, [&rules](const boost::asio::ip::address& a) {
        return is_public_address(a) || rules.allowed.contains(a);
      });
      if (const auto* failure = std::get_if<http::PinFailure>(&pinned)) {
        if (*failure == http::PinFailure::unresolvable) {
          throw unreachable("The repository's host name does not resolve.");
        }
        throw Error(ErrorKind::forbidden, "git_url_forbidden",
                    "The repository's host resolves to an address that is not public; a "
                    "platform admin can allow it (--git-allow).");
      }
      args.insert(args.end(), {"-c", "http.curloptResolve=" + std::get<std::string>(pinned)});
    }
    return args;
  }

  // Runs argv with a clean environment in `cwd`; stdout (at most `out_limit` bytes kept) and
  // stderr go through files in `work`.
  Outcome run(const std::vector<std::string>& argv, const fs::path& cwd, const fs::path& work,
              std::size_t out_limit) const {
    const auto out_file = (work / ".out").string();
    const auto err_file = (work / ".err").string();
    std::vector<std::string> env_text{"PATH=/usr/bin:/bin", "HOME=" + work.string(),
                                      "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1",
                                      "GIT_CONFIG_GLOBAL=/dev/null", "GIT_ASKPASS=/bin/false",
                                      "SSH_ASKPASS=/bin/false", "LC_ALL=C"};
    std::vector<char*> env;
    for (auto& e : env_text) env.push_back(e.data());
    env.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> raw;
    for (auto& a : args) raw.push_back(a.data());
    raw.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, "/usr/bin/git", &actions, nullptr, raw.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw unreachable("git cannot be run: " + std::string(std::strerror(rc)));
    Outcome outcome;
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    int status = 0;
    for (;;) {
      const auto waited = waitpid(pid, &status, WNOHANG);
      if (waited == pid) break;
      if (waited < 0 && errno != EINTR) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        outcome.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (outcome.timed_out) {
      throw Error(ErrorKind::bad_gateway, "git_timeout",
                  "git took longer than " + std::to_string(timeout_.count()) + " s.");
    }
    outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    bool too_long = false;
    outcome.out = read_bounded(out_file, out_limit, too_long);
    outcome.err = read_bounded(err_file, kMaxMessageBytes, too_long);
    return outcome;
  }

  fs::path scratch_;
  std::chrono::seconds timeout_;
};

}  // namespace

void check_git_location(const GitLocation& where, bool allow_file) {
  const auto parsed = boost::urls::parse_absolute_uri(where.url);
  if (where.url.size() > 2048 || !parsed || parsed->has_userinfo() || parsed->has_fragment() ||
      parsed->has_query()) {
    throw invalid("git.url: an https:// URL without user information, query or fragment.");
  }
  const auto scheme = parsed->scheme_id();
  if (scheme == boost::urls::scheme::file) {
    if (!allow_file) {
      throw Error(ErrorKind::forbidden, "git_url_forbidden",
                  "file:// repositories are for platform admins: they read the server's disk.");
    }
    if (!parsed->encoded_path().starts_with("/") || parsed->encoded_path().find("..") !=
                                                        boost::core::string_view::npos) {
      throw invalid("git.url: a file:// URL names an absolute path.");
    }
  } else if (scheme != boost::urls::scheme::https || parsed->encoded_host().empty()) {
    throw invalid("git.url: an https:// (or, for platform admins, file://) URL.");
  }
  if (!is_ref(where.ref)) {
    throw invalid("git.ref: a branch or tag of 1-200 characters of A-Z a-z 0-9 . _ / -.");
  }
  if (!is_relative_path(where.path)) {
    throw invalid("git.path: the Compose file's path in the repository, relative, without '..'.");
  }
}

std::unique_ptr<GitRepositories> make_git_cli(std::filesystem::path scratch,
                                              std::chrono::seconds timeout) {
  return std::make_unique<GitCli>(std::move(scratch), timeout);
}

}  // namespace dokkerr::stacks
