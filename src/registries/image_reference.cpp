#include "registries/image_reference.hpp"

#include "core/error.hpp"
#include "registries/registry_address.hpp"
#include "registries/registry_api.hpp"

#include <algorithm>

namespace dokkerr::registries {

std::optional<ImageReference> parse_image_reference(std::string_view reference) {
  if (reference.empty() || reference.size() > 512 || reference.starts_with("sha256:") ||
      reference.find('@') != std::string_view::npos) {
    return std::nullopt;
  }
  ImageReference out;
  std::string_view name = reference;
  const auto slash = name.rfind('/');
  const auto colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    out.tag = std::string(name.substr(colon + 1));
    name = name.substr(0, colon);
  } else {
    out.tag = "latest";
  }
  const auto is_tag_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  };
  if (out.tag.empty() || out.tag.size() > 128 ||
      !std::all_of(out.tag.begin(), out.tag.end(), is_tag_char)) {
    return std::nullopt;
  }
  // The engine's rule: the first component names a registry when it has a '.' or a ':' or is
  // "localhost"; otherwise the image is Docker Hub's.
  std::string_view path = name;
  std::string address = "docker.io";
  if (const auto first = name.find('/'); first != std::string_view::npos) {
    const auto head = name.substr(0, first);
    if (head.find_first_of(".:") != std::string_view::npos || head == "localhost") {
      try {
        address = normalized_address(head);
      } catch (const Error&) {
        return std::nullopt;
      }
      path = name.substr(first + 1);
    }
  }
  out.address = address;
  out.repository = std::string(path);
  if (address == "docker.io" && path.find('/') == std::string_view::npos) {
    out.repository = "library/" + out.repository;
  }
  if (!is_repository_name(out.repository)) return std::nullopt;
  out.local_name = std::string(name);
  // A bare hex id names an image, not a repository.
  if (address == "docker.io" && path.size() >= 12 && path.size() <= 64 &&
      std::all_of(path.begin(), path.end(),
                  [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }) &&
      reference.find(':') == std::string_view::npos) {
    return std::nullopt;
  }
  return out;
}

}  // namespace dokkerr::registries
