#include "docker/endpoint.hpp"

#include "core/error.hpp"
#include "unit/docker/test_support.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace dokkerr::docker {
namespace {

using testing::error_of;

TEST(ParseEndpoint, UnixSocket) {
  const Endpoint ep = parse_endpoint("unix:///var/run/docker.sock");
  EXPECT_EQ(ep.kind, Endpoint::Kind::unix_socket);
  EXPECT_EQ(ep.path, "/var/run/docker.sock");
  EXPECT_FALSE(ep.tls);
  EXPECT_EQ(ep.to_string(), "unix:///var/run/docker.sock");
}

TEST(ParseEndpoint, SchemeIsCaseInsensitiveAndPathIsDecoded) {
  const Endpoint ep = parse_endpoint("UNIX:///tmp/my%20engine/docker.sock");
  EXPECT_EQ(ep.kind, Endpoint::Kind::unix_socket);
  EXPECT_EQ(ep.path, "/tmp/my engine/docker.sock");
}

TEST(ParseEndpoint, PlainTcp) {
  const Endpoint ep = parse_endpoint("tcp://127.0.0.1:2375");
  EXPECT_EQ(ep.kind, Endpoint::Kind::tcp);
  EXPECT_EQ(ep.host, "127.0.0.1");
  EXPECT_EQ(ep.port, "2375");
  EXPECT_FALSE(ep.tls);
  EXPECT_EQ(ep.to_string(), "tcp://127.0.0.1:2375");
}

TEST(ParseEndpoint, HttpsMeansTls) {
  const Endpoint ep = parse_endpoint("https://docker-1.example.com:2376");
  EXPECT_EQ(ep.kind, Endpoint::Kind::tcp);
  EXPECT_EQ(ep.host, "docker-1.example.com");
  EXPECT_EQ(ep.port, "2376");
  EXPECT_TRUE(ep.tls);
  EXPECT_EQ(ep.to_string(), "https://docker-1.example.com:2376");
}

TEST(ParseEndpoint, DefaultPortsFollowTheDockerCli) {
  EXPECT_EQ(parse_endpoint("tcp://engine").port, "2375");
  EXPECT_EQ(parse_endpoint("https://engine").port, "2376");
  EXPECT_EQ(parse_endpoint("tcp://engine:2375/").port, "2375");  // a bare trailing slash is fine
}

TEST(ParseEndpoint, Ipv6LiteralKeepsBracketsOnlyInText) {
  const Endpoint ep = parse_endpoint("tcp://[::1]:2375");
  EXPECT_EQ(ep.host, "::1");
  EXPECT_EQ(ep.port, "2375");
  EXPECT_EQ(ep.to_string(), "tcp://[::1]:2375");
  EXPECT_EQ(parse_endpoint(ep.to_string()).host, "::1");
}

TEST(ParseEndpoint, RoundTripsThroughToString) {
  for (const char* url :
       {"unix:///run/docker.sock", "tcp://10.0.0.1:1234", "https://h:2376", "tcp://[fe80::1]:5"}) {
    const Endpoint a = parse_endpoint(url);
    const Endpoint b = parse_endpoint(a.to_string());
    EXPECT_EQ(a.to_string(), b.to_string()) << url;
    EXPECT_EQ(a.host, b.host) << url;
    EXPECT_EQ(a.path, b.path) << url;
    EXPECT_EQ(a.tls, b.tls) << url;
  }
}

struct Bad {
  std::string url;
  std::string mentions;  // a word the detail must contain, so the operator knows what to fix
};

// Names the case in test listings; escaped, since a raw newline would break test discovery.
void PrintTo(const Bad& bad, std::ostream* os) {
  for (const char c : bad.url.substr(0, 60)) {
    const auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f) {
      *os << c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      *os << "\\x" << kHex[u >> 4U] << kHex[u & 0xfU];
    }
  }
}

class ParseEndpointRejects : public ::testing::TestWithParam<Bad> {};

TEST_P(ParseEndpointRejects, WithInvalidDockerHost) {
  const Bad& bad = GetParam();
  const auto err = error_of([&] { (void)parse_endpoint(bad.url); });
  ASSERT_TRUE(err.has_value()) << "accepted: " << bad.url;
  EXPECT_EQ(err->kind(), ErrorKind::invalid);
  EXPECT_EQ(err->code(), "invalid_docker_host");
  EXPECT_NE(err->detail().find(bad.mentions), std::string::npos)
      << bad.url << " -> " << err->detail();
}

INSTANTIATE_TEST_SUITE_P(
    HostileAndMalformed, ParseEndpointRejects,
    ::testing::Values(
        Bad{"", "empty"}, Bad{"/var/run/docker.sock", "not a URL"}, Bad{"docker.sock", "not a URL"},
        Bad{"unix:", "unix:///absolute/path"}, Bad{"unix:relative.sock", "unix:///absolute/path"},
        Bad{"unix://", "absolute"}, Bad{"unix:///", "directory"},
        Bad{"unix://host/var/run/docker.sock", "names no host"},
        Bad{"unix://user@/x.sock", "names no host"},
        Bad{"unix:///var/run/docker.sock?x=1", "query"},
        Bad{"unix:///var/run/docker.sock#frag", "fragment"}, Bad{"unix:///a%00b", "NUL"},
        Bad{"unix:///" + std::string(200, 'a'), "107"}, Bad{"tcp://", "host"},
        Bad{"tcp://:2375", "host"}, Bad{"tcp://host:0", "port"}, Bad{"tcp://host:65536", "port"},
        Bad{"tcp://host:99999999999", "port"}, Bad{"tcp://host:", "port"},
        Bad{"tcp://host:+1", "port"}, Bad{"tcp://user:secret@host:2375", "credentials"},
        Bad{"tcp://host:2375/v1.41", "path"}, Bad{"tcp://ho%2Fst:2375", "DNS name"},
        Bad{"tcp://ho%00st:2375", "DNS name"}, Bad{"tcp://ho%20st:2375", "DNS name"},
        Bad{"tcp://" + std::string(300, 'a') + ":1", "long"}, Bad{"tcp://[v1.x]:2375", "IPvFuture"},
        Bad{"tcp://[::1:2375", "not a URL"}, Bad{"http://host:2375", "scheme 'http'"},
        Bad{"npipe:////./pipe/docker_engine", "scheme"}, Bad{"ssh://user@host", "scheme 'ssh'"},
        Bad{" tcp://host:1", "not a URL"}, Bad{"tcp://host:1 ", "not a URL"},
        Bad{"tcp://host\r\n:1", "not a URL"}, Bad{"tcp://host:1\nHost: evil", "not a URL"}));

}  // namespace
}  // namespace dokkerr::docker
