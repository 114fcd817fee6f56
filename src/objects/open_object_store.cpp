#include "objects/open_object_store.hpp"

#include "core/error.hpp"
#include "objects/local_object_store.hpp"

#include <cstdlib>

namespace dokkerr::objects {

std::unique_ptr<ObjectStore> open_object_store(std::string_view url,
                                               const std::filesystem::path& data_dir,
                                               const EnvironmentLookup& env) {
  if (url.empty()) return std::make_unique<LocalObjectStore>(data_dir / "objects");
  if (url.starts_with("file://")) {
    const std::filesystem::path dir(std::string(url.substr(7)));
    if (!dir.is_absolute()) {
      throw Error::invalid("invalid_object_store", "Object store: file:// takes an absolute path.");
    }
    return std::make_unique<LocalObjectStore>(dir);
  }
  if (url.starts_with("s3://")) return std::make_unique<S3ObjectStore>(parse_s3_url(url, env));
  throw Error::invalid("invalid_object_store",
                       "Object store: expected file:///dir or s3://bucket/prefix.");
}

EnvironmentLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    // getenv is read-only here and the environment is not changed while the program runs.
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

}  // namespace dokkerr::objects
