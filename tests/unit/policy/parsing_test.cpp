// How bodies are read: duplicates at any depth, Go's case-insensitive keys, unknown fields,
// types, depth and shape. Hostile spellings first.
#include "core/strict_json.hpp"
#include "policy/docker_schema.hpp"
#include "unit/policy/test_support.hpp"

namespace dokkerr::policy::test {
namespace {

TEST(PolicyParsing, RefusesExactDuplicateKeysAtEveryDepth) {
  EXPECT_TRUE(Throws(create(R"({"Image":"a","Image":"b"})"), "duplicate_key", "'Image'"));
  EXPECT_TRUE(Throws(create(R"({"Image":"a","HostConfig":{"Privileged":false,"Privileged":true}})"),
                     "duplicate_key", "HostConfig.Privileged"));
  // Inside arrays, and inside map-typed objects.
  EXPECT_TRUE(
      Throws(create_host(R"({"Mounts":[{"Type":"volume"},{"Type":"volume","Type":"bind"}]})"),
             "duplicate_key", "HostConfig.Mounts[1].Type"));
  EXPECT_TRUE(
      Throws(create(R"({"Image":"a","Labels":{"x":"1","x":"2"}})"), "duplicate_key", "Labels.x"));
  EXPECT_TRUE(Throws(
      create_host(
          R"({"Sysctls":{"net.ipv4.ping_group_range":"0 0","net.ipv4.ping_group_range":"0 1"}})"),
      "duplicate_key", "HostConfig.Sysctls[\"net.ipv4.ping_group_range\"]"));
  // Keys are compared after unescaping.
  EXPECT_TRUE(Throws(create(R"({"Image":"a","Ima\u0067e":"b"})"), "duplicate_key", "Image"));
  // Duplicates are refused even where the schema would refuse the key anyway, and for admins.
  EXPECT_TRUE(Throws(create(R"({"Image":"a","x":[{"y":1,"y":2}]})", {}, admin()), "duplicate_key",
                     "x[0].y"));
}

TEST(PolicyParsing, RefusesTwoSpellingsOfOneStructField) {
  EXPECT_TRUE(Throws(create(R"({"Image":"a","HostConfig":{"Privileged":false,"privileged":true}})"),
                     "duplicate_key", "HostConfig.privileged"));
  EXPECT_TRUE(Throws(create(R"({"Image":"a","HostConfig":{},"hostConfig":{"Privileged":true}})"),
                     "duplicate_key", "hostConfig"));
  EXPECT_TRUE(Throws(create(R"({"Image":"a","IMAGE":"b"})", {}, admin()), "duplicate_key"));
  // Go folds U+017F (long s) to 's' and U+212A (Kelvin sign) to 'k'.
  EXPECT_TRUE(Throws(create_host("{\"SecurityOpt\":[],\"\xC5\xBF"
                                 "ecurityOpt\":[\"seccomp=unconfined\"]}"),
                     "duplicate_key"));
  EXPECT_TRUE(
      Throws(create_host("{\"Links\":[],\"Lin\xE2\x84\xAAs\":[\"theirs:db\"]}"), "duplicate_key"));
  // Map keys differing in case are different keys, as they are for the engine.
  EXPECT_TRUE(Passes(create(R"({"Image":"a","Labels":{"x":"1","X":"2"}})")));
}

TEST(PolicyParsing, MapsAnyCasingToTheCanonicalField) {
  for (const auto* spelling : {R"({"image":"a","hostconfig":{"privileged":true}})",
                               R"({"IMAGE":"a","HOSTCONFIG":{"PRIVILEGED":true}})",
                               R"({"Image":"a","HostConfig":{"pRiViLeGeD":true}})"}) {
    EXPECT_TRUE(Throws(create(spelling), "policy_denied", "HostConfig.Privileged")) << spelling;
    const auto out = check_container_create(spelling, {}, admin());
    EXPECT_EQ(parsed(out).at("HostConfig").at("Privileged"), true) << out;
  }
  // The long s reaches SecurityOpt, the Kelvin sign reaches Links.
  EXPECT_TRUE(Throws(create_host("{\"\xC5\xBF"
                                 "ecurityOpt\":[\"seccomp=unconfined\"]}"),
                     "policy_denied", "SecurityOpt"));
  EXPECT_TRUE(Throws(create_host("{\"Lin\xE2\x84\xAAs\":[\"theirs:db\"]}"), "policy_denied",
                     "HostConfig.Links"));
  // Other non-ASCII letters never match a field.
  EXPECT_TRUE(Throws(create_host("{\"Pr\xC4\xB1vileged\":true}"), "unknown_field"));
  EXPECT_TRUE(detail::fold_equal("cpushares", "CpuShares"));
  EXPECT_FALSE(detail::fold_equal("CpuShare", "CpuShares"));
  EXPECT_FALSE(detail::fold_equal("IPv4Address", "IPv4Addres"));
  EXPECT_FALSE(detail::fold_equal("Ipv4_Address", "IPv4Address"));
}

TEST(PolicyParsing, RefusesFieldsUnknownToApi141) {
  // The engine still reads HostConfig fields at the top level when HostConfig is absent.
  EXPECT_TRUE(
      Throws(create(R"({"Image":"a","Privileged":true})"), "unknown_field", "'Privileged'"));
  EXPECT_TRUE(Throws(create(R"({"Image":"a","Binds":["/:/host"]})"), "unknown_field", "Binds"));
  EXPECT_TRUE(Throws(create(R"({"Image":"a","Cpuset":"0"})"), "unknown_field", "Cpuset"));
  // Capabilities (API 1.40 only) replaced the whole capability set.
  EXPECT_TRUE(Throws(create_host(R"({"Capabilities":["CAP_SYS_ADMIN"]})"), "unknown_field",
                     "HostConfig.Capabilities"));
  EXPECT_TRUE(Throws(create_host(R"({"Mounts":[{"Type":"volume","Foo":1}]})"), "unknown_field",
                     "HostConfig.Mounts[0].Foo"));
  EXPECT_TRUE(Throws(create(R"({"Image":"a","ExposedPorts":{"80/tcp":{"x":1}}})"), "unknown_field",
                     "ExposedPorts[\"80/tcp\"].x"));
  EXPECT_TRUE(
      Throws(create(R"({"Image":"a","NetworkingConfig":{"EndpointsConfig":{"n":{"Bogus":1}}}})"),
             "unknown_field", "NetworkingConfig.EndpointsConfig.n.Bogus"));
  // Admins too: the engine would apply a field no one reviewed.
  EXPECT_TRUE(Throws(create(R"({"Image":"a","Privileged":true})", {}, admin()), "unknown_field"));
}

TEST(PolicyParsing, RequiresTheTypesGoDecodes) {
  EXPECT_TRUE(Throws(create_host(R"({"Privileged":"true"})"), "invalid_body",
                     "'HostConfig.Privileged' must be a boolean"));
  EXPECT_TRUE(Throws(create_host(R"({"Privileged":1})"), "invalid_body"));
  EXPECT_TRUE(Throws(create_host(R"({"Memory":1.5})"), "invalid_body", "HostConfig.Memory"));
  EXPECT_TRUE(Throws(create_host(R"({"Memory":"1g"})"), "invalid_body"));
  EXPECT_TRUE(Throws(create_host(R"({"CapAdd":5})"), "invalid_body", "a string or an array"));
  EXPECT_TRUE(Throws(create_host(R"({"CapAdd":[5]})"), "invalid_body", "HostConfig.CapAdd[0]"));
  EXPECT_TRUE(Throws(create_host(R"({"Binds":"/:/host"})"), "invalid_body", "an array"));
  EXPECT_TRUE(Throws(create(R"({"Image":"a","Labels":{"x":1}})"), "invalid_body", "Labels.x"));
  EXPECT_TRUE(Throws(create(R"({"Image":"a","HostConfig":[]})"), "invalid_body", "an object"));
  // null is accepted wherever Go accepts it (everywhere), and a StrSlice may be one string.
  EXPECT_TRUE(Passes(create(
      R"({"Image":"a","Cmd":"echo hi","Entrypoint":null,"Labels":null,"HostConfig":null,"NetworkingConfig":null})")));
  EXPECT_TRUE(
      Passes(create_host(R"({"Privileged":null,"Binds":null,"Memory":null,"CapAdd":null})")));
  EXPECT_TRUE(Passes(create_host(R"({"Memory":18446744073709551615,"MemorySwap":-1})")));
}

TEST(PolicyParsing, BoundsDepthAndShape) {
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  EXPECT_NO_THROW((void)json::parse_strict(nested(json::kMaxDepth)));
  EXPECT_TRUE(Throws([&] { (void)json::parse_strict(nested(json::kMaxDepth + 1)); }, "invalid_json",
                     "nested"));
  std::string deep = R"({"Image":"a","Labels":)";
  for (int i = 0; i < 40; ++i) {
    deep += R"({"a":)";
  }
  deep += "1" + std::string(40, '}') + "}";
  EXPECT_TRUE(Throws(create(deep), "invalid_json", "nested"));
  EXPECT_TRUE(Throws(create(std::string(100000, '[')), "invalid_json"));

  for (const auto* body : {"[]", "\"x\"", "null", "1", "true", "[{\"Image\":\"a\"}]"}) {
    EXPECT_TRUE(Throws(create(body), "invalid_body", "JSON object")) << body;
  }
  for (const auto* body : {"", " ", "{", "{\"Image\":\"a\"} {}", "{\"Image\":\"a\"}x",
                           "{\"Image\":\"a\",}", "{/*c*/\"Image\":\"a\"}", "{'Image':'a'}"}) {
    EXPECT_TRUE(Throws(create(body), "invalid_json")) << body;
  }
  EXPECT_TRUE(Throws(create("{\"Image\":\"a\xFF\"}"), "invalid_json"));  // not UTF-8
  EXPECT_TRUE(Passes(create(" \n{\"Image\":\"a\"}\n ")));
}

TEST(PolicyParsing, ErrorDetailsKeepClientKeysPrintable) {
  const auto error = error_of(create(R"({"Image":"a","Labels":{"a\u0000b":"1","a\u0000b":"2"}})"));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), "duplicate_key");
  EXPECT_NE(error->detail().find("a?b"), std::string::npos) << error->detail();
  const auto long_key = std::string(500, 'k');
  const auto long_error = error_of(create(R"({"Image":"a",")" + long_key + R"(":1})"));
  ASSERT_TRUE(long_error);
  EXPECT_LT(long_error->detail().size(), 200U);
}

}  // namespace
}  // namespace dokkerr::policy::test
