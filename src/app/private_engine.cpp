#include "app/private_engine.hpp"

#include "core/logger.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace dokkerr::app {

bool unix_socket_answers(const std::string& path) {
  boost::asio::io_context io;
  boost::asio::local::stream_protocol::socket socket(io);
  boost::system::error_code ec;
  socket.connect(boost::asio::local::stream_protocol::endpoint(path), ec);
  return !ec;
}

PrivateEngine::PrivateEngine(std::filesystem::path root, Logger& logger)
    : root_(std::move(root)), logger_(logger) {}

PrivateEngine::~PrivateEngine() {
  stop();
}

std::string PrivateEngine::socket_url() const {
  return "unix://" + (root_ / "docker.sock").string();
}

void PrivateEngine::start() {
  std::filesystem::create_directories(root_);
  const auto socket = (root_ / "docker.sock").string();
  std::vector<std::string> args = {
      "dockerd",
      "--host=unix://" + socket,
      "--data-root=" + (root_ / "data").string(),
      "--exec-root=" + (root_ / "exec").string(),
      "--pidfile=" + (root_ / "dockerd.pid").string(),
      "--bip=198.18.0.1/24",
      "--default-address-pool=base=198.18.64.0/18,size=24",
      "--containerd-namespace=dokkerr",
      "--containerd-plugins-namespace=dokkerr-plugins",
      "--live-restore",
  };
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const auto log_path = (root_ / "dockerd.log").string();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const int rc = posix_spawnp(&pid_, "dockerd", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start dockerd: " + std::string(std::strerror(rc)));
  }
  logger_.info("private engine starting", {{"pid", pid_}, {"socket", socket}, {"log", log_path}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("dockerd exited at start; see " + log_path);
    }
    if (unix_socket_answers(socket)) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop();
  throw std::runtime_error("dockerd did not answer within 60 s; see " + log_path);
}

void PrivateEngine::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace dokkerr::app
