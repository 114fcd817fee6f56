#include "http/openapi.hpp"

#include "http/responses.hpp"
#include "http/router.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace dokkerr::http {
namespace {

namespace asio = boost::asio;

Handler nothing() {
  return [](RequestContext&) -> asio::awaitable<Reply> { co_return ok("{}"); };
}

class OpenApiTest : public ::testing::Test {
 protected:
  OpenApiTest() {
    router.add(Verb::get, "/healthz", nothing(), needs(access::kPublic));
    router.add(Verb::get, "/api/v1/environments/{env}/containers/{id}/json", nothing(),
               needs("containers:read").in_environment("env"));
    router.add(Verb::post, "/api/v1/environments/{env}/containers/{id}/start", nothing(),
               needs("containers:operate").in_environment("env").audited("containers.start"));
    router.add(Verb::delete_, "/api/v1/environments/{env}/containers/{id}", nothing(),
               needs("containers:delete").in_environment("env").audited("containers.delete"));
    router.add(Verb::get, "/api/v1/environments/{env}/containers/{id}", nothing(),
               needs("containers:read").in_environment("env"));
    router.add(Verb::get, "/api/v1/old", nothing(),
               needs(access::kAuthenticated).deprecated(1'767'225'600, 1'798'761'600));
    document = openapi_document(router, ApiInfo{.title = "T", .version = "9.9", .description = ""});
  }

  const boost::json::object& op(const char* path, const char* method) {
    return document.at("paths").at(path).at(method).as_object();
  }

  Router router;
  boost::json::object document;
};

TEST_F(OpenApiTest, EveryRouteIsAnOperationUnderItsPath) {
  EXPECT_EQ(document.at("openapi"), "3.1.0");
  EXPECT_EQ(document.at("info").at("version"), "9.9");
  std::size_t operations = 0;
  for (const auto& [path, item] : document.at("paths").as_object())
    operations += item.as_object().size();
  EXPECT_EQ(operations, router.routes().size());
  // Two methods on one path share its item.
  const auto& item =
      document.at("paths").at("/api/v1/environments/{env}/containers/{id}").as_object();
  EXPECT_TRUE(item.contains("get"));
  EXPECT_TRUE(item.contains("delete"));
}

TEST_F(OpenApiTest, PathParametersAccessAndAuditComeFromTheRoute) {
  const auto& start = op("/api/v1/environments/{env}/containers/{id}/start", "post");
  const auto& parameters = start.at("parameters").as_array();
  ASSERT_EQ(parameters.size(), 2U);
  EXPECT_EQ(parameters[0].at("name"), "env");
  EXPECT_EQ(parameters[1].at("name"), "id");
  EXPECT_EQ(parameters[1].at("in"), "path");
  EXPECT_EQ(parameters[1].at("required"), true);
  EXPECT_EQ(start.at("x-dokkerr-access"), "containers:operate");
  EXPECT_EQ(start.at("x-dokkerr-audit-action"), "containers.start");
  EXPECT_EQ(start.at("tags").as_array().front(), "containers");
  EXPECT_EQ(start.at("operationId"), "post_api_v1_environments_env_containers_id_start");
  EXPECT_EQ(start.at("security").as_array().size(), 2U);
  EXPECT_TRUE(start.at("responses").as_object().contains("default"));
}

TEST_F(OpenApiTest, PublicRoutesNeedNoCredentialsAndDeprecationIsMarked) {
  const auto& health = op("/healthz", "get");
  EXPECT_TRUE(health.at("security").as_array().empty());
  EXPECT_FALSE(health.contains("parameters"));
  EXPECT_EQ(health.at("tags").as_array().front(), "process");
  const auto& old = op("/api/v1/old", "get");
  EXPECT_EQ(old.at("deprecated"), true);
  EXPECT_FALSE(op("/healthz", "get").contains("deprecated"));
}

TEST_F(OpenApiTest, OperationIdsAreUnique) {
  std::set<std::string> ids;
  for (const auto& [path, item] : document.at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      EXPECT_TRUE(ids.insert(std::string(operation.at("operationId").as_string())).second)
          << path << " " << method;
    }
  }
}

}  // namespace
}  // namespace dokkerr::http
