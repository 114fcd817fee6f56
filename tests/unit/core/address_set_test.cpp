#include "core/address_set.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace dokkerr {
namespace {

TEST(AddressSet, HoldsAddressesAndNetworksOfBothFamilies) {
  const auto set = AddressSet::parse({"127.0.0.1", "198.18.0.0/15", "::1", "fd00::/8"});
  EXPECT_TRUE(set.contains(std::string_view("127.0.0.1")));
  EXPECT_TRUE(set.contains(std::string_view("198.19.255.1")));
  EXPECT_TRUE(set.contains(std::string_view("::ffff:198.18.0.7"))) << "v4-mapped is the v4 client";
  EXPECT_TRUE(set.contains(std::string_view("fd12::5")));
  EXPECT_FALSE(set.contains(std::string_view("127.0.0.2")));
  EXPECT_FALSE(set.contains(std::string_view("not an address")));
  EXPECT_FALSE(set.contains(std::string_view("")));
  EXPECT_TRUE(AddressSet{}.empty());
  for (const auto* bad : {"", "localhost", "1.2.3.4/33", "1.2.3", "::1/129", "x/8"}) {
    EXPECT_THROW((void)AddressSet::parse({bad}), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace dokkerr
