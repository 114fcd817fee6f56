#include "users/avatar_image.hpp"

#include "core/error.hpp"

#include <array>
#include <csetjmp>
#include <cstdio>
#include <jpeglib.h>
#include <memory>
#include <png.h>
#include <vector>

namespace dokkerr::users {
namespace {

Error invalid_image(std::string internal) {
  return {ErrorKind::invalid, "invalid_image", "The file is not an image Dokkerr can use.",
          std::move(internal)};
}

bool is_png(std::string_view bytes) {
  return bytes.starts_with("\x89PNG\r\n\x1a\n");
}
bool is_jpeg(std::string_view bytes) {
  return bytes.starts_with("\xff\xd8\xff");
}

void check_size(unsigned width, unsigned height) {
  if (width == 0 || height == 0 || width > kMaxAvatarSide || height > kMaxAvatarSide) {
    throw Error::invalid("invalid_image", "An avatar is at most 2048 × 2048 pixels.");
  }
}

AvatarImage reencode_png(std::string_view upload) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_memory(&image, upload.data(), upload.size()) == 0) {
    throw invalid_image(std::string("png: ") + image.message);
  }
  const auto release = [](png_image* i) { png_image_free(i); };
  std::unique_ptr<png_image, decltype(release)> guard(&image, release);
  check_size(image.width, image.height);
  image.format = PNG_FORMAT_RGBA;
  std::vector<unsigned char> pixels(PNG_IMAGE_SIZE(image));
  if (png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr) == 0) {
    throw invalid_image(std::string("png: ") + image.message);
  }
  AvatarImage out{{}, "image/png", image.width, image.height};
  png_alloc_size_t size = 0;
  if (png_image_write_to_memory(&image, nullptr, &size, 0, pixels.data(), 0, nullptr) == 0) {
    throw Error::internal_error(std::string("png write: ") + image.message);
  }
  out.bytes.resize(size);
  if (png_image_write_to_memory(&image, out.bytes.data(), &size, 0, pixels.data(), 0, nullptr) ==
      0) {
    throw Error::internal_error(std::string("png write: ") + image.message);
  }
  out.bytes.resize(size);
  return out;
}

// libjpeg reports errors through a callback that must not return: it jumps back here.
struct JpegError {
  jpeg_error_mgr manager{};
  std::jmp_buf jump{};
  std::array<char, JMSG_LENGTH_MAX> message{};
};

void jpeg_fail(j_common_ptr info) {
  auto* error = reinterpret_cast<JpegError*>(info->err);
  (*info->err->format_message)(info, error->message.data());
  std::longjmp(error->jump, 1);
}

// Decoding and encoding are written as plain C steps between setjmp points: no C++ object with
// a destructor lives across a longjmp.
bool decode_jpeg(std::string_view upload, std::vector<unsigned char>& pixels, unsigned& width,
                 unsigned& height, std::string& message) {
  jpeg_decompress_struct info{};
  JpegError error;
  info.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = &jpeg_fail;
  if (setjmp(error.jump) != 0) {
    message = error.message.data();
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(upload.data()),
               static_cast<unsigned long>(upload.size()));
  jpeg_read_header(&info, TRUE);
  if (info.image_width == 0 || info.image_height == 0 || info.image_width > kMaxAvatarSide ||
      info.image_height > kMaxAvatarSide) {
    message = "size";
    jpeg_destroy_decompress(&info);
    return false;
  }
  info.out_color_space = JCS_RGB;
  jpeg_start_decompress(&info);
  width = info.output_width;
  height = info.output_height;
  pixels.resize(static_cast<std::size_t>(width) * height * 3);
  while (info.output_scanline < info.output_height) {
    unsigned char* row = pixels.data() + static_cast<std::size_t>(info.output_scanline) * width * 3;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return true;
}

bool encode_jpeg(const std::vector<unsigned char>& pixels, unsigned width, unsigned height,
                 unsigned char*& buffer, unsigned long& size) {
  jpeg_compress_struct info{};
  JpegError error;
  info.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = &jpeg_fail;
  if (setjmp(error.jump) != 0) {
    jpeg_destroy_compress(&info);
    return false;
  }
  jpeg_create_compress(&info);
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = width;
  info.image_height = height;
  info.input_components = 3;
  info.in_color_space = JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, 90, TRUE);
  jpeg_start_compress(&info, TRUE);
  while (info.next_scanline < info.image_height) {
    auto* row = const_cast<unsigned char*>(pixels.data()) +
                static_cast<std::size_t>(info.next_scanline) * width * 3;
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  return true;
}

AvatarImage reencode_jpeg(std::string_view upload) {
  std::vector<unsigned char> pixels;
  unsigned width = 0;
  unsigned height = 0;
  std::string message;
  if (!decode_jpeg(upload, pixels, width, height, message)) {
    if (message == "size") check_size(0, 0);
    throw invalid_image("jpeg: " + message);
  }
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const bool ok = encode_jpeg(pixels, width, height, buffer, size);
  const std::unique_ptr<unsigned char, decltype(&std::free)> owned(buffer, &std::free);
  if (!ok || buffer == nullptr) throw Error::internal_error("jpeg encoding failed");
  return {std::string(reinterpret_cast<const char*>(buffer), size), "image/jpeg", width, height};
}

}  // namespace

AvatarImage reencode_avatar(std::string_view upload) {
  if (upload.size() > kMaxAvatarBytes) {
    throw Error{ErrorKind::payload_too_large, "avatar_too_large", "An avatar is at most 2 MiB."};
  }
  if (is_png(upload)) return reencode_png(upload);
  if (is_jpeg(upload)) return reencode_jpeg(upload);
  throw Error{ErrorKind::unsupported_media, "unsupported_image_type",
              "An avatar is a PNG or JPEG image."};
}

std::string_view avatar_content_type(std::string_view bytes) {
  if (is_png(bytes)) return "image/png";
  if (is_jpeg(bytes)) return "image/jpeg";
  return "";
}

}  // namespace dokkerr::users
