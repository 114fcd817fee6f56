#include "gateway/client_address.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace dokkerr::gateway {
namespace {

const auto kProxies = TrustedProxies::parse({"127.0.0.1", "198.18.0.0/15", "fd00::/8"});

TEST(TrustedProxiesTest, ParsesAddressesAndNetworks) {
  EXPECT_TRUE(kProxies.contains(boost::asio::ip::make_address("127.0.0.1")));
  EXPECT_FALSE(kProxies.contains(boost::asio::ip::make_address("127.0.0.2")));
  EXPECT_TRUE(kProxies.contains(boost::asio::ip::make_address("198.19.255.1")));
  EXPECT_TRUE(kProxies.contains(boost::asio::ip::make_address("fd12::1")));
  EXPECT_FALSE(kProxies.contains(boost::asio::ip::make_address("2001:db8::1")));
  EXPECT_TRUE(TrustedProxies{}.empty());
}

TEST(TrustedProxiesTest, RefusesEntriesThatAreNotAddresses) {
  for (const char* bad :
       {"localhost", "300.1.1.1", "198.18.0.0/33", "fd00::/129", "", "1.2.3.4/x"}) {
    EXPECT_THROW(TrustedProxies::parse({bad}), std::invalid_argument) << bad;
  }
}

TEST(ClientAddressTest, HeadersFromAPeerThatIsNotTrustedAreIgnored) {
  EXPECT_EQ(client_address("203.0.113.9", "for=1.2.3.4", "1.2.3.4", kProxies), "203.0.113.9");
  EXPECT_EQ(client_address("127.0.0.1", "", "1.2.3.4", TrustedProxies{}), "127.0.0.1");
}

TEST(ClientAddressTest, TheFirstUntrustedHopFromTheServerIsTheClient) {
  // The client wrote "6.6.6.6" itself; the proxy at 198.18.0.5 appended what it saw.
  EXPECT_EQ(client_address("127.0.0.1", "", "6.6.6.6, 203.0.113.7, 198.18.0.5", kProxies),
            "203.0.113.7");
  EXPECT_EQ(client_address("127.0.0.1", "", "203.0.113.7", kProxies), "203.0.113.7");
}

TEST(ClientAddressTest, ForwardedIsPreferredAndItsNodesAreRead) {
  EXPECT_EQ(client_address("127.0.0.1", "for=192.0.2.60;proto=https;by=203.0.113.43", "1.1.1.1",
                           kProxies),
            "192.0.2.60");
  EXPECT_EQ(client_address("127.0.0.1", R"(for="[2001:db8:cafe::17]:4711")", "", kProxies),
            "2001:db8:cafe::17");
  EXPECT_EQ(client_address("127.0.0.1", "For=\"192.0.2.43:47011\", for=198.18.0.9", "", kProxies),
            "192.0.2.43");
}

TEST(ClientAddressTest, AnUnreadableNodeStopsTheWalkAtTheLastTrustedHop) {
  EXPECT_EQ(client_address("127.0.0.1", "for=unknown", "", kProxies), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "", "203.0.113.7, garbage", kProxies), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "", "", kProxies), "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", "for=_hidden", "", kProxies), "127.0.0.1");
}

TEST(ClientAddressTest, IPv4MappedAddressesAreTheIPv4Address) {
  EXPECT_EQ(client_address("127.0.0.1", "", "::ffff:203.0.113.7", kProxies), "203.0.113.7");
}

TEST(ClientAddressTest, AChainOfTrustedHopsIsReadOnlySoFar) {
  std::string chain = "203.0.113.7";
  for (int i = 0; i < 100; ++i) chain += ", 198.18.0.1";
  EXPECT_EQ(client_address("127.0.0.1", "", chain, kProxies), "198.18.0.1");
}

}  // namespace
}  // namespace dokkerr::gateway
