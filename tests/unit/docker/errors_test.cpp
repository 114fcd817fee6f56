#include "docker/errors.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dokkerr::docker {
namespace {

TEST(MapEngineError, NotFoundNamesTheObject) {
  const Error e = map_engine_error(404, R"({"message":"No such container: abc"})", "container");
  EXPECT_EQ(e.kind(), ErrorKind::not_found);
  EXPECT_EQ(e.code(), "container_not_found");
  EXPECT_EQ(e.detail(), "No such container: abc");
  EXPECT_NE(e.internal().find("404"), std::string::npos);
}

TEST(MapEngineError, Conflict) {
  const Error e = map_engine_error(
      409, R"({"message":"Conflict. The container name \"/web\" is already in use"})", "container");
  EXPECT_EQ(e.kind(), ErrorKind::conflict);
  EXPECT_EQ(e.code(), "container_conflict");
  EXPECT_EQ(e.detail(), "Conflict. The container name \"/web\" is already in use");
}

TEST(MapEngineError, BadRequestIsInvalid) {
  const Error e = map_engine_error(
      400, R"({"message":"conflicting options: hostname and the network mode"})", "container");
  EXPECT_EQ(e.kind(), ErrorKind::invalid);
  EXPECT_EQ(e.code(), "invalid_request");
  EXPECT_EQ(e.detail(), "conflicting options: hostname and the network mode");
}

TEST(MapEngineError, NotModifiedIsAConflict) {
  const Error e = map_engine_error(304, "", "container");
  EXPECT_EQ(e.kind(), ErrorKind::conflict);
  EXPECT_EQ(e.code(), "not_modified");
  EXPECT_FALSE(e.detail().empty());
}

TEST(MapEngineError, ServerErrorsAreBadGatewayAndKeepTheMessage) {
  const Error e = map_engine_error(
      500, R"({"message":"driver failed programming external connectivity on endpoint web"})",
      "container");
  EXPECT_EQ(e.kind(), ErrorKind::bad_gateway);
  EXPECT_EQ(e.code(), "engine_error");
  EXPECT_EQ(e.detail(), "driver failed programming external connectivity on endpoint web");
  EXPECT_EQ(map_engine_error(503, "{}", "x").kind(), ErrorKind::bad_gateway);
}

TEST(MapEngineError, UnexpectedStatusesAreBadGateway) {
  EXPECT_EQ(map_engine_error(401, R"({"message":"authz denied"})", "container").code(),
            "engine_error");
  EXPECT_EQ(map_engine_error(406, "", "container").kind(), ErrorKind::bad_gateway);
}

TEST(MapEngineError, PlainTextBodiesAreUsedAsTheMessage) {
  // What a refused hijack (attach/exec start) looks like.
  const Error e = map_engine_error(404, "No such container: nonexist\r\n", "container");
  EXPECT_EQ(e.detail(), "No such container: nonexist");
}

TEST(MapEngineError, FallsBackWhenThereIsNoMessage) {
  for (const char* body : {"", "{}", R"({"message":""})", R"({"message":42})", "[1,2]", "  "}) {
    const Error e = map_engine_error(500, body, "container");
    EXPECT_NE(e.detail().find("500"), std::string::npos) << body << " -> " << e.detail();
  }
}

TEST(MapEngineError, CleansAndBoundsTheMessage) {
  const Error ctl =
      map_engine_error(400, "{\"message\":\"bad\\u0000thing\\nhere\\u001b[31m\"}", "x");
  EXPECT_EQ(ctl.detail().find('\0'), std::string::npos);
  EXPECT_EQ(ctl.detail().find('\n'), std::string::npos);
  EXPECT_EQ(ctl.detail().find('\x1b'), std::string::npos);
  const Error big =
      map_engine_error(500, R"({"message":")" + std::string(100000, 'a') + "\"}", "x");
  EXPECT_LE(big.detail().size(), 1024U);
}

TEST(MapEngineError, WithoutAnObjectName) {
  EXPECT_EQ(map_engine_error(404, "", "").code(), "object_not_found");
}

}  // namespace
}  // namespace dokkerr::docker
