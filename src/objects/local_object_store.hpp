#pragma once
// The embedded object store: one file per key under a directory (by default
// <data-dir>/objects). A writer fills a temporary file under ".uploads/", fsyncs it and renames it
// into place on commit, then fsyncs the directory: a key names either nothing or a complete file,
// across crashes.
#include "objects/object_store.hpp"

#include <filesystem>

namespace dokkerr::objects {

class LocalObjectStore final : public ObjectStore {
 public:
  // Creates root (0700) when missing.
  explicit LocalObjectStore(std::filesystem::path root);

  [[nodiscard]] std::string describe() const override;
  std::unique_ptr<ObjectWriter> create(std::string_view key) override;
  void get(std::string_view key, const ObjectSink& sink) override;
  std::optional<ObjectInfo> head(std::string_view key) override;
  ObjectPage list(std::string_view prefix, std::optional<std::string> cursor,
                  std::size_t limit) override;
  void remove(std::string_view key) override;
  std::size_t drop_abandoned_uploads(std::string_view prefix,
                                     std::int64_t older_than_unix) override;

 private:
  std::filesystem::path root_;
};

}  // namespace dokkerr::objects
