#include "backup/tar_pack.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <chrono>
#include <fstream>

namespace dokkerr::backup {
namespace {

namespace fs = std::filesystem;

Error corrupt(std::string internal) {
  return {ErrorKind::invalid, "backup_corrupt",
          "The backup archive is damaged or incomplete; nothing was changed.", std::move(internal)};
}

struct EntryDeleter {
  void operator()(archive_entry* entry) const noexcept { archive_entry_free(entry); }
};

bool plain_relative(std::string_view name) {
  if (name.empty() || name.starts_with('/') || name.size() > 4096) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto end = std::min(name.find('/', start), name.size());
    const auto segment = name.substr(start, end - start);
    if (segment == "." || segment == "..") return false;
    if (segment.empty() && end != name.size()) return false;  // "a//b"
    start = end + 1;
  }
  return name.find('\0') == std::string_view::npos;
}

}  // namespace

struct TarGzWriter::State {
  ByteSink out;
  std::exception_ptr error;
};

TarGzWriter::TarGzWriter(ByteSink out) : state_(std::make_unique<State>()) {
  state_->out = std::move(out);
  archive_ = archive_write_new();
  if (archive_ == nullptr) throw Error::internal_error("archive_write_new failed");
  const auto write = [](::archive*, void* client, const void* buffer, size_t length) -> la_ssize_t {
    auto* state = static_cast<State*>(client);
    try {
      state->out(std::string_view(static_cast<const char*>(buffer), length));
    } catch (...) {
      state->error = std::current_exception();
      return -1;
    }
    return static_cast<la_ssize_t>(length);
  };
  // No padding of the compressed stream to tape blocks.
  archive_write_set_bytes_in_last_block(archive_, 1);
  if (archive_write_add_filter_gzip(archive_) != ARCHIVE_OK ||
      archive_write_set_format_pax_restricted(archive_) != ARCHIVE_OK ||
      archive_write_open(archive_, state_.get(), nullptr, write, nullptr) != ARCHIVE_OK) {
    const std::string why = archive_error_string(archive_) ? archive_error_string(archive_) : "";
    archive_write_free(archive_);
    archive_ = nullptr;
    throw Error::internal_error("cannot start the tar.gz stream: " + why);
  }
}

TarGzWriter::~TarGzWriter() {
  if (archive_ != nullptr) archive_write_free(archive_);
}

namespace {
void check_write(::archive* a, la_ssize_t rc, const std::exception_ptr& error) {
  if (error) std::rethrow_exception(error);
  if (rc < 0) {
    throw Error::internal_error(std::string("tar.gz: ") + (archive_error_string(a)
                                                               ? archive_error_string(a)
                                                               : "write failed"));
  }
}

std::unique_ptr<archive_entry, EntryDeleter> file_entry(std::string_view name, std::uint64_t size) {
  std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), std::string(name).c_str());
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0600);
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  archive_entry_set_mtime(entry.get(), now, 0);
  return entry;
}
}  // namespace

void TarGzWriter::add_bytes(std::string_view name, std::string_view data) {
  const auto entry = file_entry(name, data.size());
  check_write(archive_, archive_write_header(archive_, entry.get()), state_->error);
  if (!data.empty()) {
    check_write(archive_, archive_write_data(archive_, data.data(), data.size()), state_->error);
  }
}

std::string TarGzWriter::add_file(std::string_view name, const fs::path& source) {
  std::ifstream in(source, std::ios::binary);
  if (!in) throw Error::internal_error("cannot read " + source.string());
  const auto size = fs::file_size(source);
  const auto entry = file_entry(name, size);
  check_write(archive_, archive_write_header(archive_, entry.get()), state_->error);
  crypto::Sha256Stream sha;
  std::string buffer(std::size_t{1} << 20U, '\0');
  std::uint64_t left = size;
  while (left > 0) {
    in.read(buffer.data(),
            static_cast<std::streamsize>(std::min<std::uint64_t>(left, buffer.size())));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) throw Error::internal_error(source.string() + " shrank while being read");
    sha.update(std::string_view(buffer.data(), got));
    check_write(archive_, archive_write_data(archive_, buffer.data(), got), state_->error);
    left -= got;
  }
  return sha.hex();
}

void TarGzWriter::finish() {
  const int rc = archive_write_close(archive_);
  check_write(archive_, rc == ARCHIVE_OK ? 0 : -1, state_->error);
}

void extract_tar_gz(const fs::path& file, const fs::path& into, std::uint64_t max_bytes) {
  std::unique_ptr<::archive, decltype(&archive_read_free)> reader(archive_read_new(),
                                                                  &archive_read_free);
  if (!reader) throw Error::internal_error("archive_read_new failed");
  archive_read_support_filter_gzip(reader.get());
  archive_read_support_format_tar(reader.get());
  if (archive_read_open_filename(reader.get(), file.c_str(), 1U << 16U) != ARCHIVE_OK) {
    throw corrupt(std::string("tar.gz: ") + archive_error_string(reader.get()));
  }
  fs::create_directories(into);
  std::uint64_t total = 0;
  std::string buffer(std::size_t{1} << 20U, '\0');
  for (;;) {
    archive_entry* entry = nullptr;
    const int rc = archive_read_next_header(reader.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK)
      throw corrupt(std::string("tar.gz: ") + archive_error_string(reader.get()));
    const char* raw_name = archive_entry_pathname(entry);
    std::string name = raw_name ? raw_name : "";
    while (name.ends_with('/')) name.pop_back();
    if (!plain_relative(name)) throw corrupt("entry with an unsafe name: " + name);
    const auto type = archive_entry_filetype(entry);
    const auto target = into / name;
    if (type == AE_IFDIR) {
      fs::create_directories(target);
      continue;
    }
    if (type != AE_IFREG) throw corrupt("entry that is not a plain file: " + name);
    fs::create_directories(target.parent_path());
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    if (!out) throw Error::internal_error("cannot write " + target.string());
    fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
    for (;;) {
      const auto n = archive_read_data(reader.get(), buffer.data(), buffer.size());
      if (n < 0) throw corrupt(std::string("tar.gz: ") + archive_error_string(reader.get()));
      if (n == 0) break;
      total += static_cast<std::uint64_t>(n);
      if (total > max_bytes) throw corrupt("archive larger than its manifest says");
      out.write(buffer.data(), n);
    }
    if (!out.flush()) throw Error::internal_error("cannot write " + target.string());
  }
}

}  // namespace dokkerr::backup
