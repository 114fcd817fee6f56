#pragma once
// Files that hold key material (JWT signing keys, the secret-box master key). They are written
// through a temporary file in the same directory that is fsynced and then renamed (or linked)
// into place, so a crash leaves either the old state or the new one, never a truncated key; and
// they are created 0600 from the start instead of being tightened after the fact.
// Internal to the crypto domain.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace dokkerr::crypto::detail {

// Creates dir (0700) when absent, its parents with the default mode. When refuse_shared_writes,
// an existing dir that group or others may write is refused (std::runtime_error): whoever can
// add files there could plant a key.
void ensure_private_directory(const std::filesystem::path& dir, bool refuse_shared_writes);

// Writes path atomically with mode 0600, replacing an existing file.
void write_private_file(const std::filesystem::path& path, std::string_view content);

// Like write_private_file but never replaces: returns false, leaving the existing file as it
// was, when path already exists (two processes creating the same key race safely).
bool create_private_file(const std::filesystem::path& path, std::string_view content);

// Reads a key file. std::runtime_error naming the file when it is not a regular file, is
// larger than max_size, or has permissions wider than 0600.
std::string read_private_file(const std::filesystem::path& path, std::size_t max_size);

// Makes renames and unlinks in dir durable.
void sync_directory(const std::filesystem::path& dir);

// The name a temporary file gets in dir, recognized by is_temporary_name() so that leftovers of
// an interrupted write can be removed on the next start.
bool is_temporary_name(std::string_view filename);

}  // namespace dokkerr::crypto::detail
