// The kubeconfig reader: the current context's server, CA and credentials; errors at FILE:LINE:COL.
#include "k8s/kubeconfig.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace labgate::k8s {
namespace {

using ::testing::HasSubstr;

// "-----BEGIN CA-----" and friends, base64.
constexpr const char* kConfig = R"(apiVersion: v1
kind: Config
current-context: admin@homelab
clusters:
  - name: other
    cluster: { server: "https://10.9.9.9:6443" }
  - name: homelab
    cluster:
      server: https://192.168.100.50:6443
      certificate-authority-data: LS0tLS1CRUdJTiBDQS0tLS0t
contexts:
  - name: admin@homelab
    context: { cluster: homelab, user: admin@homelab }
users:
  - name: admin@homelab
    user:
      client-certificate-data: LS0tLS1CRUdJTiBDRVJULS0tLS0=
      client-key-data: LS0tLS1CRUdJTiBLRVktLS0tLQ==
)";

TEST(Kubeconfig, ReadsTheCurrentContext) {
  auto r = parse_kubeconfig(kConfig, "kc.yaml");
  ASSERT_FALSE(r.error) << r.error->to_string();
  EXPECT_EQ(r.config->context, "admin@homelab");
  EXPECT_EQ(r.config->server, "https://192.168.100.50:6443");
  EXPECT_EQ(r.config->ca_pem, "-----BEGIN CA-----");
  EXPECT_EQ(r.config->client_cert_pem, "-----BEGIN CERT-----");
  EXPECT_EQ(r.config->client_key_pem, "-----BEGIN KEY-----");
  EXPECT_EQ(r.config->token, "");
}

TEST(Kubeconfig, ReadsAToken) {
  auto r = parse_kubeconfig(R"(current-context: c
clusters: [{ name: k, cluster: { server: "https://10.0.0.1:6443" } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
users: [{ name: u, user: { token: abc.def } }]
)",
                            "kc.yaml");
  ASSERT_FALSE(r.error) << r.error->to_string();
  EXPECT_EQ(r.config->token, "abc.def");
  EXPECT_EQ(r.config->ca_pem, "");
}

struct Bad {
  const char* text;
  const char* error;  // FILE:LINE:COL: message prefix
};

class KubeconfigBad : public ::testing::TestWithParam<Bad> {};

TEST_P(KubeconfigBad, NamesThePosition) {
  auto r = parse_kubeconfig(GetParam().text, "kc.yaml");
  ASSERT_TRUE(r.error);
  EXPECT_FALSE(r.config);
  EXPECT_THAT(r.error->to_string(), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Table, KubeconfigBad,
    ::testing::Values(
        Bad{"", "kc.yaml:1:1: a kubeconfig must be a map"}, Bad{"a: [", "kc.yaml:"},
        Bad{"kind: Config\n%TAG ! x\n",
            "kc.yaml:2:1: YAML directives other than %YAML 1.x are not supported"},
        Bad{"kind: Config\n", "kc.yaml:1:1: no current-context"},
        Bad{"current-context: x\ncontexts: []\n", "kc.yaml:1:18: no entry named 'x' in 'contexts'"},
        Bad{"current-context: c\ncontexts: [{ name: c, context: { cluster: k } }]\n"
            "clusters: [{ name: k, cluster: { server: \"http://a\" } }]\n",
            "kc.yaml:3:42: server 'http://a' is not an https:// URL"},
        Bad{"current-context: c\ncontexts: [{ name: c, context: { cluster: k } }]\n"
            "clusters: [{ name: k, cluster: { server: \"https://a\", "
            "certificate-authority-data: \"%%\" } }]\n",
            "kc.yaml:3:83: 'certificate-authority-data' is not valid base64"},
        Bad{"current-context: c\ncontexts: [{ name: c, context: { cluster: k, user: u } }]\n"
            "clusters: [{ name: k, cluster: { server: \"https://a\" } }]\n"
            "users: [{ name: u, user: { client-certificate: /tmp/c.pem } }]\n",
            "'client-certificate' refers to a file"},
        Bad{"current-context: c\ncontexts: [{ name: c, context: { cluster: k, user: u } }]\n"
            "clusters: [{ name: k, cluster: { server: \"https://a\" } }]\n"
            "users: [{ name: u, user: { exec: { command: aws } } }]\n",
            "kc.yaml:4:34: exec credential plugins are not run"}));

TEST(Kubeconfig, Base64) {
  EXPECT_EQ(decode_base64("aGVsbG8="), "hello");
  EXPECT_EQ(decode_base64("aGVs\nbG8"), "hello");
  EXPECT_EQ(decode_base64("a=b"), std::nullopt);
  EXPECT_EQ(decode_base64("*"), std::nullopt);
}

}  // namespace
}  // namespace labgate::k8s
