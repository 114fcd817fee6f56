#pragma once
// An image reference as the engine reads it, split into what the registry API names.
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::registries {

struct ImageReference {
  std::string address;     // the registry, normalized ("docker.io" when none is named)
  std::string repository;  // in the registry ("library/busybox" for Docker Hub's "busybox")
  std::string local_name;  // as the engine lists it in RepoDigests ("busybox", "r:5000/team/app")
  std::string tag;         // "latest" when none is named
};

// nullopt for what names no tag of a registry's repository: an image id ("sha256:…", a bare
// hex id), a reference pinned to a digest ("app@sha256:…"; it cannot change), or something
// that is not a reference.
[[nodiscard]] std::optional<ImageReference> parse_image_reference(std::string_view reference);

}  // namespace dokkerr::registries
