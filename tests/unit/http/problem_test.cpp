#include "http/problem.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dokkerr::http {
namespace {

TEST(Problem, EveryKindMapsToItsStatusInOnePlace) {
  const std::pair<ErrorKind, unsigned> expected[] = {
      {ErrorKind::invalid, 400},          {ErrorKind::unauthorized, 401},
      {ErrorKind::forbidden, 403},        {ErrorKind::not_found, 404},
      {ErrorKind::method_not_allowed, 405}, {ErrorKind::timeout, 408},
      {ErrorKind::conflict, 409},         {ErrorKind::payload_too_large, 413},
      {ErrorKind::unsupported_media, 415}, {ErrorKind::upgrade_required, 426},
      {ErrorKind::rate_limited, 429},     {ErrorKind::headers_too_large, 431},
      {ErrorKind::internal, 500},         {ErrorKind::bad_gateway, 502},
      {ErrorKind::unavailable, 503}};
  for (const auto& [kind, status] : expected) {
    EXPECT_EQ(http_status(kind), status);
    EXPECT_FALSE(title(kind).empty());
  }
}

TEST(Problem, BodyHasTheContractFieldsAndNoInternalDetail) {
  const Error error(ErrorKind::unavailable, "engine_unavailable", "The engine is unreachable.",
                    "connect(/secret/path.sock): ECONNREFUSED");
  const auto response = problem_response(error, "req-1");
  EXPECT_EQ(response.result_int(), 503U);
  EXPECT_EQ(response[boost::beast::http::field::content_type], "application/problem+json");
  const auto body = boost::json::parse(response.body()).as_object();
  EXPECT_EQ(body.at("type").as_string(), "https://dokkerr.dev/problems/engine_unavailable");
  EXPECT_EQ(body.at("title").as_string(), "Service Unavailable");
  EXPECT_EQ(body.at("status").as_int64(), 503);
  EXPECT_EQ(body.at("detail").as_string(), "The engine is unreachable.");
  EXPECT_EQ(body.at("code").as_string(), "engine_unavailable");
  EXPECT_EQ(body.at("request_id").as_string(), "req-1");
  EXPECT_EQ(response.body().find("secret"), std::string::npos);
}

TEST(Problem, InternalErrorsHideTheirCause) {
  const auto error = Error::internal_error("null pointer in foo.cpp:12");
  const auto body = problem_body(error, "r");
  EXPECT_EQ(body.find("foo.cpp"), std::string::npos);
  EXPECT_NE(body.find("\"code\":\"internal\""), std::string::npos);
}

}  // namespace
}  // namespace dokkerr::http
