#pragma once
// The built web UI (web/dist: index.html, a few top-level files and content-hashed files under
// assets/), read once at start into memory and served from there. Only files found at start are
// ever served, so no request path reaches the file system (no traversal, no symlink surprises),
// and a page load costs no disk I/O. A new build is picked up by a restart.
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr::web {

// Where index.html asks for the page's style nonce (see web/index.html): the server writes a
// fresh nonce there, and into the page's style-src, on every answer.
inline constexpr std::string_view kStyleNoncePlaceholder = "__DOKKERR_STYLE_NONCE__";

struct WebAsset {
  std::string content_type;
  std::string body;
  std::string gzipped;  // empty when compressing would not help
  std::string etag;
  bool immutable = false;  // under assets/: its name changes with its content
  // An HTML page's offset of kStyleNoncePlaceholder in `body`, when it has one: such a page is
  // answered with its own nonce each time, so it is never cached, compressed or tagged.
  std::optional<std::size_t> nonce_at;
};

// `page` (one with a nonce_at) with `nonce` in place of the placeholder.
[[nodiscard]] std::string with_style_nonce(const WebAsset& page, std::string_view nonce);

struct WebAssetLimits {
  std::size_t max_files = 2000;
  std::size_t max_file_bytes = std::size_t{32} << 20;
  std::size_t max_total_bytes = std::size_t{128} << 20;
};

class WebAssets {
 public:
  // Reads `dir` (index.html is required). Throws std::runtime_error naming the problem: no
  // index.html, a limit passed, a file that cannot be read. Names other than
  // [A-Za-z0-9._-]+ (and anything that is not a regular file) are skipped.
  static WebAssets load(const std::filesystem::path& dir, WebAssetLimits limits = {});

  // By path relative to the directory: "index.html", "favicon.svg", "assets/index-3f2a.js".
  [[nodiscard]] const WebAsset* find(std::string_view name) const;
  // The files directly in the directory (not under assets/), index.html included.
  [[nodiscard]] std::vector<std::string> top_level_names() const;
  [[nodiscard]] std::size_t size() const { return assets_.size(); }

 private:
  std::map<std::string, WebAsset, std::less<>> assets_;
};

// The media type for a file name, by extension ("application/octet-stream" when unknown).
[[nodiscard]] std::string_view content_type_for(std::string_view name);

}  // namespace dokkerr::web
