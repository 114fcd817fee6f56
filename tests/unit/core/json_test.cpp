#include "core/json.hpp"

#include "core/error.hpp"
#include "core/ids.hpp"

#include <gtest/gtest.h>

namespace dokkerr {
namespace {

std::string code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& error) {
    return error.code();
  }
  return "none";
}

TEST(Json, ParseObjectClassifiesFailures) {
  EXPECT_EQ(code_of([] { json::parse_object("{bad"); }), "invalid_json");
  EXPECT_EQ(code_of([] { json::parse_object(""); }), "invalid_json");
  EXPECT_EQ(code_of([] { json::parse_object("[1,2]"); }), "invalid_body");
  EXPECT_EQ(code_of([] { json::parse_object("\"text\""); }), "invalid_body");
  EXPECT_EQ(json::parse_object("", true).size(), 0U);
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_EQ(code_of([&] { json::parse(deep); }), "invalid_json");
}

TEST(Json, TypedFieldsNameTheField) {
  const auto object = json::parse_object(R"({"name":5,"flag":"yes","n":1.5,"list":{}})");
  try {
    (void)json::optional_string(object, "name");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), "invalid_body");
    EXPECT_NE(error.detail().find("'name'"), std::string::npos);
  }
  EXPECT_EQ(code_of([&] { (void)json::optional_bool(object, "flag"); }), "invalid_body");
  EXPECT_EQ(code_of([&] { (void)json::optional_int(object, "n"); }), "invalid_body");
  EXPECT_EQ(code_of([&] { (void)json::optional_array(object, "list"); }), "invalid_body");
  EXPECT_EQ(code_of([&] { (void)json::required_string(object, "missing"); }), "invalid_body");
  EXPECT_FALSE(json::optional_string(object, "missing").has_value());
}

TEST(Ids, RandomHexAndRequestIdRules) {
  const auto a = random_hex(16);
  EXPECT_EQ(a.size(), 32U);
  EXPECT_NE(a, random_hex(16));
  EXPECT_TRUE(is_valid_request_id("abc-123_x.y:z"));
  EXPECT_FALSE(is_valid_request_id(""));
  EXPECT_FALSE(is_valid_request_id(std::string(129, 'a')));
  EXPECT_FALSE(is_valid_request_id("a b"));
  EXPECT_FALSE(is_valid_request_id("a\r\nSet-Cookie: x"));
}

}  // namespace
}  // namespace dokkerr
