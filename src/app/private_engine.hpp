#pragma once
// A private dockerd under the data dir, for machines where no engine answers on the default
// socket. It uses its own socket, data root, containerd namespace and the 198.18.0.0/15 address
// pools, so it never collides with a host engine. --live-restore keeps containers running while
// Dokkerr (and so this engine) restarts.
#include <filesystem>
#include <string>
#include <sys/types.h>

namespace dokkerr {
class Logger;
}

namespace dokkerr::app {

// True when something accepts connections on the unix socket at `path`.
bool unix_socket_answers(const std::string& path);

class PrivateEngine {
 public:
  PrivateEngine(std::filesystem::path root, Logger& logger);
  ~PrivateEngine();  // stops the engine (SIGTERM, bounded wait, then SIGKILL)
  PrivateEngine(const PrivateEngine&) = delete;
  PrivateEngine& operator=(const PrivateEngine&) = delete;

  // Starts dockerd and waits (bounded) for its socket; throws std::runtime_error on failure.
  void start();
  void stop();
  [[nodiscard]] std::string socket_url() const;

 private:
  std::filesystem::path root_;
  Logger& logger_;
  pid_t pid_ = -1;
};

}  // namespace dokkerr::app
