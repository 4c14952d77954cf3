// The request target's path and query parameters (daemon/http_query.h), as a table.
#include "daemon/http_query.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace labgate::daemon {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(HttpQueryTest, SplitsTheTarget) {
  struct Case {
    const char* target;
    const char* path;
    const char* query;
  };
  const Case cases[] = {
      {"/metrics", "/metrics", ""}, {"/api/queries?client=1", "/api/queries", "client=1"},
      {"/a?b?c", "/a", "b?c"},      {"/a#frag?x", "/a", ""},
      {"/a?x=1#frag", "/a", "x=1"}, {"", "", ""},
  };
  for (const auto& c : cases) {
    RequestTarget t = split_target(c.target);
    EXPECT_EQ(t.path, c.path) << c.target;
    EXPECT_EQ(t.query, c.query) << c.target;
  }
}

TEST(HttpQueryTest, DecodesPairs) {
  struct Case {
    const char* query;
    Pairs pairs;
  };
  const Case cases[] = {
      {"", {}},
      {"client=10.0.0.5&name=argocd", {{"client", "10.0.0.5"}, {"name", "argocd"}}},
      {"name=a+b%2Ec", {{"name", "a b.c"}}},
      {"flag&x=", {{"flag", ""}, {"x", ""}}},
      {"a=1&&b=2&", {{"a", "1"}, {"b", "2"}}},
      {"a=1=2", {{"a", "1=2"}}},
      {"%41%6a=%FF", {{"Aj", "\xff"}}},
  };
  for (const auto& c : cases) {
    Result<QueryParams> p = parse_query(c.query);
    ASSERT_TRUE(p.ok()) << c.query << ": " << p.error();
    EXPECT_EQ(p->items, c.pairs) << c.query;
  }
  Result<QueryParams> p = parse_query("rcode=NXDOMAIN&rcode=NOERROR");
  ASSERT_TRUE(p.ok());
  ASSERT_NE(p->get("rcode"), nullptr);
  EXPECT_EQ(*p->get("rcode"), "NXDOMAIN");
  EXPECT_EQ(p->get("client"), nullptr);
}

TEST(HttpQueryTest, RefusesWhatItCannotDecodeOrBound) {
  std::string many;
  for (size_t i = 0; i <= kMaxQueryParams; ++i) many += "a=1&";
  const std::string cases[] = {
      "a=%",
      "a=%4",
      "a=%zz",
      "a=%00",
      "a=" + std::string(kMaxQueryParamBytes + 1, 'x'),
      std::string(kMaxQueryParamBytes + 1, 'k') + "=1",
      many,
  };
  for (const auto& c : cases) EXPECT_FALSE(parse_query(c).ok()) << c.substr(0, 40);
  // At the bounds it still parses.
  EXPECT_TRUE(parse_query("a=" + std::string(kMaxQueryParamBytes, 'x')).ok());
  EXPECT_TRUE(parse_query(many.substr(4)).ok());
}

}  // namespace
}  // namespace labgate::daemon
