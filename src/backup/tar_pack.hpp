#pragma once
// Backup contents as a gzip'd tar (libarchive), written to a sink and read back from a file into a
// directory. Extraction takes only regular files and directories with plain relative names: an
// archive cannot write outside its directory, link anywhere or make devices.
#include "backup/sealed_stream.hpp"

#include <filesystem>
#include <memory>
#include <string_view>

struct archive;

namespace dokkerr::backup {

class TarGzWriter {
 public:
  explicit TarGzWriter(ByteSink out);
  TarGzWriter(const TarGzWriter&) = delete;
  TarGzWriter& operator=(const TarGzWriter&) = delete;
  ~TarGzWriter();

  void add_bytes(std::string_view name, std::string_view data);
  // Streams the file in; returns its SHA-256 (hex).
  std::string add_file(std::string_view name, const std::filesystem::path& source);
  void finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
  ::archive* archive_ = nullptr;
};

// Extracts into `into` (created). Error{invalid, "backup_corrupt"} for anything but plain files
// and directories under relative names, or an unreadable archive. max_bytes bounds the total.
void extract_tar_gz(const std::filesystem::path& file, const std::filesystem::path& into,
                    std::uint64_t max_bytes);

}  // namespace dokkerr::backup
