#pragma once
#include "objects/object_store.hpp"
#include "objects/s3_object_store.hpp"

#include <filesystem>
#include <memory>

namespace dokkerr::objects {

// "" → <data_dir>/objects; "file:///absolute/dir"; "s3://bucket/prefix?…" (parse_s3_url).
// Error{invalid, "invalid_object_store"} for anything else.
std::unique_ptr<ObjectStore> open_object_store(std::string_view url,
                                               const std::filesystem::path& data_dir,
                                               const EnvironmentLookup& env);

// Reads the process environment (AWS_* variables).
EnvironmentLookup process_environment();

}  // namespace dokkerr::objects
