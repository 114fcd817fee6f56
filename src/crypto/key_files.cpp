#include "crypto/key_files.hpp"

#include "crypto/primitives.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace dokkerr::crypto::detail {
namespace {

constexpr std::string_view kTemporarySuffix = ".tmp";

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int error) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(error));
}

std::string octal_mode(mode_t mode) {
  std::array<char, 8> text{};
  const int n =
      std::snprintf(text.data(), text.size(), "%04o", static_cast<unsigned>(mode & 07777U));
  return {text.data(), static_cast<std::size_t>(n)};
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }
  // close() reports write-back errors that a destructor would swallow.
  void close_checked(const std::filesystem::path& path) {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("cannot close", path, errno);
  }

 private:
  int fd_;
};

// Writes content to a fresh temporary file next to path (0600, fsynced) and returns its name.
std::filesystem::path write_temporary(const std::filesystem::path& path, std::string_view content) {
  auto temporary = path;
  temporary.replace_filename("." + path.filename().string() + "." + hex_encode(random_bytes(6)) +
                             std::string(kTemporarySuffix));
  FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                           S_IRUSR | S_IWUSR));
  if (fd.get() < 0) fail("cannot create", temporary, errno);
  try {
    // The umask can only take bits away; fchmod makes the mode exactly 0600 either way.
    if (::fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0) fail("cannot chmod", temporary, errno);
    while (!content.empty()) {
      const ssize_t n = ::write(fd.get(), content.data(), content.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("cannot write", temporary, errno);
      content.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fsync(fd.get()) != 0) fail("cannot fsync", temporary, errno);
    fd.close_checked(temporary);
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
  return temporary;
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
  auto dir = path.parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

}  // namespace

void ensure_private_directory(const std::filesystem::path& dir, bool refuse_shared_writes) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    if (errno != ENOENT) fail("cannot stat", dir, errno);
    if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path());
    if (::mkdir(dir.c_str(), S_IRWXU) == 0) {
      // The umask may have taken bits away (0500 would leave us unable to add keys).
      if (::chmod(dir.c_str(), S_IRWXU) != 0) fail("cannot chmod", dir, errno);
    } else if (errno != EEXIST) {
      fail("cannot create", dir, errno);
    }
    if (::stat(dir.c_str(), &info) != 0) fail("cannot stat", dir, errno);
  }
  if (!S_ISDIR(info.st_mode)) {
    throw std::runtime_error(dir.string() + " is not a directory");
  }
  if (refuse_shared_writes && (info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    throw std::runtime_error("key directory " + dir.string() + " has mode " +
                             octal_mode(info.st_mode) +
                             "; it must not be writable by group or others (chmod 700)");
  }
}

void write_private_file(const std::filesystem::path& path, std::string_view content) {
  const auto temporary = write_temporary(path, content);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    fail("cannot rename into", path, error);
  }
  sync_directory(directory_of(path));
}

bool create_private_file(const std::filesystem::path& path, std::string_view content) {
  const auto temporary = write_temporary(path, content);
  // link() fails with EEXIST instead of replacing, unlike rename().
  const int result = ::link(temporary.c_str(), path.c_str());
  const int error = errno;
  ::unlink(temporary.c_str());
  if (result != 0) {
    if (error == EEXIST) return false;
    fail("cannot link into", path, error);
  }
  sync_directory(directory_of(path));
  return true;
}

std::string read_private_file(const std::filesystem::path& path, std::size_t max_size) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) fail("cannot open", path, errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) fail("cannot stat", path, errno);
  if (!S_ISREG(info.st_mode)) throw std::runtime_error(path.string() + " is not a regular file");
  if ((info.st_mode & 07777U & ~static_cast<mode_t>(S_IRUSR | S_IWUSR)) != 0) {
    throw std::runtime_error("key file " + path.string() + " has mode " + octal_mode(info.st_mode) +
                             "; it must not be wider than 0600 (chmod 600)");
  }
  if (static_cast<std::size_t>(info.st_size) > max_size) {
    throw std::runtime_error("key file " + path.string() + " is larger than " +
                             std::to_string(max_size) + " bytes");
  }
  std::string content(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::read(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read", path, errno);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  content.resize(done);
  return content;
}

void sync_directory(const std::filesystem::path& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) fail("cannot open", dir, errno);
  if (::fsync(fd.get()) != 0) fail("cannot fsync", dir, errno);
}

bool is_temporary_name(std::string_view filename) {
  return filename.size() > kTemporarySuffix.size() + 1 && filename.front() == '.' &&
         filename.ends_with(kTemporarySuffix);
}

}  // namespace dokkerr::crypto::detail
