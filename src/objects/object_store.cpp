#include "objects/object_store.hpp"

#include "core/error.hpp"

#include <fstream>

namespace dokkerr::objects {

void check_key(std::string_view key) {
  const auto refuse = [&](const char* why) {
    throw Error::invalid("invalid_object_key", std::string("Object key ") + why + ".");
  };
  if (key.empty() || key.size() > 1024) refuse("must be 1 to 1024 bytes");
  bool segment_start = true;
  for (const char c : key) {
    if (c <= ' ' || c > '~' || c == '\\') refuse("holds a character outside printable ASCII");
    if (c == '/') {
      if (segment_start) refuse("has an empty segment");
      segment_start = true;
      continue;
    }
    if (segment_start && c == '.') refuse("has a segment starting with '.'");
    segment_start = false;
  }
  if (segment_start) refuse("ends with '/'");
}

ObjectInfo ObjectStore::put(std::string_view key, std::string_view bytes) {
  auto writer = create(key);
  try {
    writer->write(bytes);
    return writer->commit();
  } catch (...) {
    writer->abort();
    throw;
  }
}

ObjectInfo ObjectStore::put_file(std::string_view key, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error::internal_error("cannot read " + file.string());
  auto writer = create(key);
  try {
    std::string buffer(std::size_t{1} << 20U, '\0');
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      writer->write(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
    }
    if (in.bad()) throw Error::internal_error("cannot read " + file.string());
    return writer->commit();
  } catch (...) {
    writer->abort();
    throw;
  }
}

std::string ObjectStore::get_all(std::string_view key, std::size_t max_bytes) {
  std::string out;
  get(key, [&](std::string_view piece) {
    if (out.size() + piece.size() > max_bytes) {
      throw Error{ErrorKind::payload_too_large, "object_too_large",
                  "The object is larger than expected.", std::string(key)};
    }
    out.append(piece);
  });
  return out;
}

}  // namespace dokkerr::objects
