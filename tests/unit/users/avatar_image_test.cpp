#include "users/avatar_image.hpp"

#include "core/error.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <jpeglib.h>
#include <png.h>
#include <vector>

namespace dokkerr::users {
namespace {

std::string png_of(unsigned width, unsigned height) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = PNG_FORMAT_RGBA;
  std::vector<unsigned char> pixels(PNG_IMAGE_SIZE(image), 0x7f);
  png_alloc_size_t size = 0;
  png_image_write_to_memory(&image, nullptr, &size, 0, pixels.data(), 0, nullptr);
  std::string out(size, '\0');
  png_image_write_to_memory(&image, out.data(), &size, 0, pixels.data(), 0, nullptr);
  out.resize(size);
  return out;
}

std::string jpeg_of(unsigned width, unsigned height) {
  jpeg_compress_struct info{};
  jpeg_error_mgr error{};
  info.err = jpeg_std_error(&error);
  jpeg_create_compress(&info);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = width;
  info.image_height = height;
  info.input_components = 3;
  info.in_color_space = JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_start_compress(&info, TRUE);
  std::vector<unsigned char> row(static_cast<std::size_t>(width) * 3, 0x40);
  while (info.next_scanline < info.image_height) {
    unsigned char* line = row.data();
    jpeg_write_scanlines(&info, &line, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  std::string out(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  return out;
}

std::string code_of(std::string_view upload) {
  try {
    static_cast<void>(reencode_avatar(upload));
  } catch (const Error& e) {
    return e.code();
  }
  return "none";
}

TEST(AvatarImage, ReencodesAPngFromItsPixelsAlone) {
  const auto original = png_of(3, 2);
  // A polyglot: a real PNG with a script after its end, and text chunks a browser may not ignore.
  const auto polyglot = original + "<script>alert(1)</script>";
  const auto image = reencode_avatar(polyglot);
  EXPECT_EQ(image.content_type, "image/png");
  EXPECT_EQ(image.width, 3U);
  EXPECT_EQ(image.height, 2U);
  EXPECT_EQ(image.bytes.find("<script>"), std::string::npos);
  EXPECT_EQ(avatar_content_type(image.bytes), "image/png");
  // What comes out decodes again to the same size.
  EXPECT_EQ(reencode_avatar(image.bytes).width, 3U);
}

TEST(AvatarImage, ReencodesAJpeg) {
  const auto image = reencode_avatar(jpeg_of(16, 8) + "trailing bytes");
  EXPECT_EQ(image.content_type, "image/jpeg");
  EXPECT_EQ(image.width, 16U);
  EXPECT_EQ(image.height, 8U);
  EXPECT_EQ(image.bytes.find("trailing"), std::string::npos);
  EXPECT_EQ(avatar_content_type(image.bytes), "image/jpeg");
  EXPECT_EQ(code_of(jpeg_of(kMaxAvatarSide + 1, 1)), "invalid_image");
}

TEST(AvatarImage, RefusesWhatIsNotAPngOrJpeg) {
  EXPECT_EQ(code_of("GIF89a\x01\x00\x01\x00"), "unsupported_image_type");
  EXPECT_EQ(code_of("<svg xmlns='http://www.w3.org/2000/svg'/>"), "unsupported_image_type");
  EXPECT_EQ(code_of(""), "unsupported_image_type");
  const auto png = png_of(4, 4);
  EXPECT_EQ(code_of(png.substr(0, png.size() / 2)), "invalid_image");  // cut short
  EXPECT_EQ(code_of("\xff\xd8\xff\xe0 not really a jpeg"), "invalid_image");
  EXPECT_EQ(code_of(std::string(kMaxAvatarBytes + 1, 'x')), "avatar_too_large");
}

TEST(AvatarImage, RefusesHugeDimensionsBeforeDecoding) {
  auto png = png_of(1, 1);
  // IHDR width at bytes 16–19: claim 100 000 pixels (the CRC no longer matches either).
  png[16] = 0;
  png[17] = 1;
  png[18] = static_cast<char>(0x86);
  png[19] = static_cast<char>(0xa0);
  EXPECT_EQ(code_of(png), "invalid_image");
  EXPECT_EQ(code_of(png_of(kMaxAvatarSide + 1, 1)), "invalid_image");
}

}  // namespace
}  // namespace dokkerr::users
