#include "web/web_assets.hpp"

#include "http/transform.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>
#include <vector>

namespace dokkerr::web {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kAssetsDir = "assets";

bool plain_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

bool compressible(std::string_view type) {
  return type.starts_with("text/") || type.find("javascript") != std::string_view::npos ||
         type.find("json") != std::string_view::npos || type.find("svg") != std::string_view::npos;
}

class Loader {
 public:
  explicit Loader(WebAssetLimits limits) : limits_(limits) {}

  void add_files_of(const fs::path& dir, std::string_view prefix,
                    std::map<std::string, WebAsset, std::less<>>& into) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const auto name = entry.path().filename().string();
      if (!plain_name(name) || !entry.is_regular_file() || entry.is_symlink()) continue;
      files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      const auto name = std::string(prefix) + file.filename().string();
      if (into.size() >= limits_.max_files) {
        throw std::runtime_error("the web UI directory has more than " +
                                 std::to_string(limits_.max_files) + " files");
      }
      into.emplace(name, read(file, name, !prefix.empty()));
    }
  }

 private:
  WebAsset read(const fs::path& file, const std::string& name, bool immutable) {
    const auto bytes = fs::file_size(file);
    if (bytes > limits_.max_file_bytes) {
      throw std::runtime_error("web UI file " + name + " is larger than " +
                               std::to_string(limits_.max_file_bytes) + " bytes");
    }
    total_ += bytes;
    if (total_ > limits_.max_total_bytes) {
      throw std::runtime_error("the web UI is larger than " +
                               std::to_string(limits_.max_total_bytes) + " bytes");
    }
    std::ifstream in(file, std::ios::binary);
    WebAsset asset;
    asset.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw std::runtime_error("cannot read web UI file " + name);
    asset.content_type = std::string(content_type_for(name));
    asset.immutable = immutable;
    if (asset.content_type.starts_with("text/html")) {
      if (const auto at = asset.body.find(kStyleNoncePlaceholder); at != std::string::npos) {
        asset.nonce_at = at;
        return asset;
      }
    }
    asset.etag = http::weak_etag(asset.body);
    if (compressible(asset.content_type) && asset.body.size() >= 256) {
      std::string packed;
      if (http::gzip(asset.body, packed) && packed.size() < asset.body.size()) {
        asset.gzipped = std::move(packed);
      }
    }
    return asset;
  }

  WebAssetLimits limits_;
  std::size_t total_ = 0;
};

}  // namespace

std::string_view content_type_for(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  }};
  for (const auto& [extension, type] : kTypes) {
    if (name.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

WebAssets WebAssets::load(const std::filesystem::path& dir, WebAssetLimits limits) {
  if (!fs::is_regular_file(dir / "index.html")) {
    throw std::runtime_error("no index.html in the web UI directory " + dir.string() +
                             " (build it with: cd web && npm ci && npm run build)");
  }
  WebAssets assets;
  Loader loader(limits);
  loader.add_files_of(dir, "", assets.assets_);
  if (fs::is_directory(dir / kAssetsDir) && !fs::is_symlink(dir / kAssetsDir)) {
    loader.add_files_of(dir / kAssetsDir, std::string(kAssetsDir) + "/", assets.assets_);
  }
  return assets;
}

std::string with_style_nonce(const WebAsset& page, std::string_view nonce) {
  const auto at = page.nonce_at.value();
  std::string body;
  body.reserve(page.body.size() + nonce.size());
  body.append(page.body, 0, at);
  body.append(nonce);
  body.append(page.body, at + kStyleNoncePlaceholder.size());
  return body;
}

const WebAsset* WebAssets::find(std::string_view name) const {
  const auto found = assets_.find(name);
  return found == assets_.end() ? nullptr : &found->second;
}

std::vector<std::string> WebAssets::top_level_names() const {
  std::vector<std::string> names;
  for (const auto& [name, asset] : assets_) {
    if (!asset.immutable) names.push_back(name);
  }
  return names;
}

}  // namespace dokkerr::web
