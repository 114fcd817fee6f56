#pragma once
// Avatar uploads are decoded and encoded again (libpng, libjpeg), never stored as sent: what is
// kept is a plain PNG or JPEG made from the pixels alone, so a file that only looks like an
// image (a polyglot, a script with a PNG header, metadata carrying anything) does not survive.
#include <string>
#include <string_view>

namespace dokkerr::users {

inline constexpr std::size_t kMaxAvatarBytes = 2U * 1024U * 1024U;
inline constexpr unsigned kMaxAvatarSide = 2048;

struct AvatarImage {
  std::string bytes;
  std::string content_type;  // "image/png" | "image/jpeg"
  unsigned width = 0;
  unsigned height = 0;
};

// Errors: unsupported_media "unsupported_image_type" (neither PNG nor JPEG by its first bytes),
// invalid "invalid_image" (does not decode, or wider or taller than kMaxAvatarSide),
// payload_too_large "avatar_too_large" (over kMaxAvatarBytes).
AvatarImage reencode_avatar(std::string_view upload);

// "image/png" or "image/jpeg" by the first bytes of a stored avatar; "" for anything else.
std::string_view avatar_content_type(std::string_view bytes);

}  // namespace dokkerr::users
