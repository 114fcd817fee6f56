#include "core/json_path.hpp"

namespace dokkerr::json {
namespace {

constexpr std::size_t kMaxShown = 64;

bool identifier_like(std::string_view key) {
  if (key.empty()) {
    return false;
  }
  for (char c : key) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string printable(std::string_view text) {
  std::size_t end = text.size();
  bool cut = false;
  if (end > kMaxShown) {
    end = kMaxShown;
    // Back off to the start of a UTF-8 sequence so the message stays valid UTF-8.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
      --end;
    }
    cut = true;
  }
  std::string out;
  out.reserve(end + 4);
  for (std::size_t i = 0; i < end; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20U || c == 0x7FU) {
      out += '?';
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut) {
    out += "...";
  }
  return out;
}

void append_key(std::string& path, std::string_view key) {
  if (identifier_like(key) && key.size() <= kMaxShown) {
    if (!path.empty()) {
      path += '.';
    }
    path += key;
    return;
  }
  path += "[\"";
  path += printable(key);
  path += "\"]";
}

void append_index(std::string& path, std::size_t index) {
  path += '[';
  path += std::to_string(index);
  path += ']';
}

}  // namespace dokkerr::json
