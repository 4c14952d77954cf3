#include "lab/serve.h"

#include <gtest/gtest.h>

#include "verify/probe.h"

namespace labgate {
namespace {

TEST(Serve, ListenerSpecRoundTrips) {
  LabListener l{Protocol::kUdp, *IpAddress::parse("192.168.100.80"), 53, "dns"};
  Result<LabListener> parsed = parse_listener_spec(l.spec());
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->protocol, Protocol::kUdp);
  EXPECT_EQ(parsed->address, l.address);
  EXPECT_EQ(parsed->port, 53);
  EXPECT_EQ(parsed->label, "dns");
}

TEST(Serve, RejectsBadSpecs) {
  const char* bad[] = {"tcp:1.2.3.4:80",  "sctp:1.2.3.4:80=x",   "tcp:1.2.3:80=x",
                       "tcp:1.2.3.4:0=x", "tcp:1.2.3.4:65536=x", "tcp:1.2.3.4:8a=x",
                       "tcp=x",           "tcp:1.2.3.4:80="};
  for (const char* spec : bad) {
    Result<LabListener> l = parse_listener_spec(spec);
    EXPECT_FALSE(l) << spec;
    EXPECT_NE(l.error().find(spec), std::string::npos) << l.error();
  }
}

// The reply the server sends is what a probe parses.
TEST(Serve, ReplyParsesBack) {
  std::string reply = serve_reply("kubernetes-api", *IpAddress::parse("192.168.1.2"), 40000);
  EXPECT_EQ(reply, "kubernetes-api 192.168.1.2:40000\n");
  std::string label;
  IpAddress peer;
  ASSERT_TRUE(parse_serve_reply(reply, &label, &peer));
  EXPECT_EQ(label, "kubernetes-api");
  EXPECT_EQ(peer.str(), "192.168.1.2");
  EXPECT_FALSE(parse_serve_reply("SSH-2.0-OpenSSH_9.2\r\n", &label, &peer));
  EXPECT_FALSE(parse_serve_reply("", &label, &peer));
}

}  // namespace
}  // namespace labgate
