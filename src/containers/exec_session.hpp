#pragma once
// Running a command in a container: the exec instance the engine creates, and the session
// attached to it (its output, its input, its terminal size and, once it ends, its exit code).
#include "containers/output_decoder.hpp"
#include "docker/client.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dokkerr::containers {

class Engine;

struct ExecRequest {
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir, user;
  bool tty = false;
  bool privileged = false;  // refused by the security policy for non-admins
};

struct TerminalSize {
  int cols = 80;
  int rows = 24;
};

class ExecSession {
 public:
  // Creates the exec instance in container `ref` and attaches to it; `interactive` also
  // attaches stdin.
  static boost::asio::awaitable<std::unique_ptr<ExecSession>> start(std::shared_ptr<Engine> engine,
                                                                    std::string ref,
                                                                    ExecRequest request,
                                                                    bool interactive);

  ExecSession(std::shared_ptr<Engine> engine,
              std::unique_ptr<docker::HijackedConnection> connection, std::string exec_id,
              bool tty);
  ~ExecSession();
  ExecSession(const ExecSession&) = delete;
  ExecSession& operator=(const ExecSession&) = delete;

  [[nodiscard]] bool tty() const { return tty_; }
  // The output that arrived (a TTY's bytes count as stdout); nullopt once the process closed it
  // or the session was closed. Throws when the engine's connection fails.
  boost::asio::awaitable<std::optional<std::vector<docker::Frame>>> read_output();
  boost::asio::awaitable<void> write_input(std::string data);
  // End of input: the process reads EOF. Call once no write is pending.
  void close_input();
  // Ends the session; a pending read_output() returns.
  void close();
  // Only TTY sessions have a size; a resize that races the process's exit is harmless, and its
  // failure is ignored.
  boost::asio::awaitable<void> resize(TerminalSize size);
  // The exit code once the process has ended; nullopt when the engine does not report one soon.
  boost::asio::awaitable<std::optional<std::int64_t>> exit_code();

 private:
  std::shared_ptr<Engine> engine_;
  std::unique_ptr<docker::HijackedConnection> connection_;
  std::string exec_id_;
  bool tty_;
  OutputDecoder decoder_;
};

}  // namespace dokkerr::containers
