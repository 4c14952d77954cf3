#include "runtime/listen_address.h"

#include <gtest/gtest.h>

namespace labgate::runtime {
namespace {

TEST(ListenAddress, Parses) {
  auto a = ListenAddress::parse("192.168.1.55:53");
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(a->address.str(), "192.168.1.55");
  EXPECT_EQ(a->port, 53);
  EXPECT_EQ(a->str(), "192.168.1.55:53");
  EXPECT_EQ(ListenAddress::parse("127.0.0.1:0")->port, 0);
}

TEST(ListenAddress, RejectsMalformed) {
  for (const char* bad :
       {"", "192.168.1.55", "192.168.1.55:", ":53", "192.168.1.55:65536", "192.168.1.55:5x",
        "192.168.1.55:-1", "host:53", "1.2.3:53", "::1:53", "2001:db8::1:53"}) {
    auto a = ListenAddress::parse(bad);
    EXPECT_FALSE(a) << bad;
    EXPECT_FALSE(a.error().empty()) << bad;
  }
}

}  // namespace
}  // namespace labgate::runtime
