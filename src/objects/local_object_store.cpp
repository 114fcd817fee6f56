#include "objects/local_object_store.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dokkerr::objects {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUploads = ".uploads";
constexpr std::size_t kReadPiece = 1U << 20U;

Error disk_error(const std::string& what) {
  return Error::unavailable("object_store_unavailable", "The object store cannot be used.",
                            what + ": " + std::strerror(errno));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { close(); }
  [[nodiscard]] int get() const { return fd_; }
  void close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

void fsync_directory(const fs::path& dir) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) throw disk_error("fsync " + dir.string());
}

std::int64_t modified_unix(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtime);
}

class LocalWriter final : public ObjectWriter {
 public:
  LocalWriter(fs::path target, fs::path temp, std::string key)
      : target_(std::move(target)),
        temp_(std::move(temp)),
        key_(std::move(key)),
        fd_(::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) {
    if (fd_.get() < 0) throw disk_error("create " + temp_.string());
  }
  LocalWriter(const LocalWriter&) = delete;
  LocalWriter& operator=(const LocalWriter&) = delete;
  ~LocalWriter() override { abort(); }

  void write(std::string_view bytes) override {
    if (done_) throw Error::internal_error("write after commit or abort");
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw disk_error("write " + temp_.string());
      bytes.remove_prefix(static_cast<std::size_t>(n));
      size_ += static_cast<std::uint64_t>(n);
    }
  }

  ObjectInfo commit() override {
    if (done_) throw Error::internal_error("commit after commit or abort");
    if (::fsync(fd_.get()) != 0) throw disk_error("fsync " + temp_.string());
    fd_.close();
    std::error_code ec;
    fs::create_directories(target_.parent_path(), ec);
    if (ec) throw disk_error("mkdir " + target_.parent_path().string());
    if (::rename(temp_.c_str(), target_.c_str()) != 0) throw disk_error("rename " + key_);
    done_ = true;
    fsync_directory(target_.parent_path());
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return {key_, size_, std::chrono::duration_cast<std::chrono::seconds>(now).count()};
  }

  void abort() noexcept override {
    if (done_) return;
    done_ = true;
    fd_.close();
    ::unlink(temp_.c_str());
  }

 private:
  fs::path target_;
  fs::path temp_;
  std::string key_;
  Fd fd_;
  std::uint64_t size_ = 0;
  bool done_ = false;
};

}  // namespace

LocalObjectStore::LocalObjectStore(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  fs::create_directories(root_ / kUploads, ec);
  if (ec) throw disk_error("mkdir " + root_.string());
  fs::permissions(root_, fs::perms::owner_all, fs::perm_options::replace, ec);
}

std::string LocalObjectStore::describe() const {
  return "file://" + root_.string();
}

std::unique_ptr<ObjectWriter> LocalObjectStore::create(std::string_view key) {
  check_key(key);
  const auto temp = root_ / kUploads / (crypto::hex_encode(crypto::random_bytes(12)) + ".part");
  return std::make_unique<LocalWriter>(root_ / key, temp, std::string(key));
}

void LocalObjectStore::get(std::string_view key, const ObjectSink& sink) {
  check_key(key);
  const auto path = root_ / key;
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) {
      throw Error::not_found("object_not_found", "No such object.");
    }
    throw disk_error("open " + path.string());
  }
  std::string buffer(kReadPiece, '\0');
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw disk_error("read " + path.string());
    if (n == 0) return;
    sink(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
}

std::optional<ObjectInfo> LocalObjectStore::head(std::string_view key) {
  check_key(key);
  struct stat st {};
  if (::stat((root_ / key).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return ObjectInfo{std::string(key), static_cast<std::uint64_t>(st.st_size), modified_unix(st)};
}

ObjectPage LocalObjectStore::list(std::string_view prefix, std::optional<std::string> cursor,
                                  std::size_t limit) {
  if (limit == 0 || limit > 1000) throw Error::invalid("invalid_limit", "limit must be 1–1000.");
  // Only the directory the prefix's complete segments name can hold matches.
  const auto slash = prefix.rfind('/');
  const std::string dir_part =
      slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash));
  if (!dir_part.empty()) check_key(dir_part);
  const fs::path start = dir_part.empty() ? root_ : root_ / dir_part;
  std::vector<ObjectInfo> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(start, ec), end;
  if (ec) return {};  // no such directory: nothing under the prefix
  for (; it != end; it.increment(ec)) {
    if (ec) throw disk_error("list " + start.string());
    const auto name = it->path().filename().string();
    if (name.starts_with('.')) {  // ".uploads" and anything not ours
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    std::string key = it->path().lexically_relative(root_).string();
    if (!key.starts_with(prefix)) continue;
    if (cursor && key <= *cursor) continue;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;  // removed meanwhile
    found.push_back({std::move(key), static_cast<std::uint64_t>(st.st_size), modified_unix(st)});
  }
  std::sort(found.begin(), found.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  ObjectPage page;
  if (found.size() > limit) {
    found.resize(limit);
    page.next_cursor = found.back().key;
  }
  page.items = std::move(found);
  return page;
}

void LocalObjectStore::remove(std::string_view key) {
  check_key(key);
  const auto path = root_ / key;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
    throw disk_error("unlink " + path.string());
  }
}

std::size_t LocalObjectStore::drop_abandoned_uploads(std::string_view /*prefix*/,
                                                     std::int64_t older_than_unix) {
  // Temporary names do not say which key they were for, so every stale one goes.
  std::size_t dropped = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ / kUploads, ec)) {
    struct stat st {};
    if (::stat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (modified_unix(st) >= older_than_unix) continue;
    if (::unlink(entry.path().c_str()) == 0) ++dropped;
  }
  if (ec) throw disk_error("list " + (root_ / kUploads).string());
  return dropped;
}

}  // namespace dokkerr::objects
