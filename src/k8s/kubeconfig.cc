#include "k8s/kubeconfig.h"

#include <fmt/format.h>

#include "topology/yaml_tree.h"

namespace labgate::k8s {
namespace {

std::optional<YamlNode> get(YamlNode map, std::string_view key) {
  if (!map.is_map()) return std::nullopt;
  for (size_t i = 0; i < map.size(); ++i)
    if (map.key(i).is_scalar() && map.key(i).text() == key) return map.value(i);
  return std::nullopt;
}

struct Reader {
  const std::string& file;
  std::optional<KubeconfigError> error;

  void fail(SourcePos pos, std::string message, std::string hint = {}) {
    if (pos.line < 1) pos = SourcePos{1, 1};  // an empty document has no position of its own
    if (!error) error = KubeconfigError{file, pos, std::move(message), std::move(hint)};
  }

  // The entry of `list_key` (a list of {name, KEY: map}) named `name`: its `inner` map.
  std::optional<YamlNode> named(YamlNode root, const char* list_key, const char* inner,
                                const std::string& name, SourcePos ref) {
    auto list = get(root, list_key);
    if (!list || !list->is_list()) {
      fail(list ? list->pos() : root.pos(), fmt::format("'{}' must be a list", list_key));
      return std::nullopt;
    }
    for (size_t i = 0; i < list->size(); ++i) {
      YamlNode item = list->item(i);
      auto n = get(item, "name");
      if (!n || n->text() != name) continue;
      auto body = get(item, inner);
      if (!body || !body->is_map()) {
        fail(item.pos(), fmt::format("{} '{}' has no '{}' map", list_key, name, inner));
        return std::nullopt;
      }
      return body;
    }
    fail(ref, fmt::format("no entry named '{}' in '{}'", name, list_key));
    return std::nullopt;
  }

  // A scalar field, base64-decoded when `base64`.
  std::string field(YamlNode map, const char* key, bool base64) {
    auto v = get(map, key);
    if (!v) return "";
    if (!v->is_scalar()) {
      fail(v->pos(), fmt::format("'{}' must be a scalar, not {}", key, kind_name(*v)));
      return "";
    }
    if (!base64) return v->text();
    auto decoded = decode_base64(v->text());
    if (!decoded) fail(v->pos(), fmt::format("'{}' is not valid base64", key));
    return decoded.value_or("");
  }

  void refuse_file(YamlNode map, const char* key, const char* data_key) {
    if (auto v = get(map, key))
      fail(v->pos(), fmt::format("'{}' refers to a file; labgate doctor reads one file", key),
           fmt::format("embed it as '{}' (kubectl config view --raw --flatten)", data_key));
  }
};

}  // namespace

std::string KubeconfigError::to_string() const {
  std::string s = fmt::format("{}:{}:{}: {}", file, pos.line, pos.column, message);
  if (!hint.empty()) s += " (hint: " + hint + ")";
  return s;
}

std::optional<std::string> decode_base64(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=') {
      padding = true;
      continue;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      continue;
    } else {
      return std::nullopt;
    }
    if (padding) return std::nullopt;  // data after '='
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

KubeconfigResult parse_kubeconfig(std::string_view text, const std::string& file) {
  KubeconfigResult result;
  // A line starting with % (a directive) is refused by YamlTree::parse, before libfyaml.
  YamlTree tree;
  YamlTree::Error syntax;
  if (!tree.parse(text, &syntax)) {
    if (syntax.pos.line < 1) syntax.pos = SourcePos{1, 1};
    result.error = KubeconfigError{file, syntax.pos, syntax.message, syntax.hint};
    return result;
  }
  YamlNode root = tree.root();
  Reader r{file, std::nullopt};
  if (!root.is_map()) {
    r.fail(root.pos(), "a kubeconfig must be a map");
    result.error = r.error;
    return result;
  }
  Kubeconfig k;
  auto current = get(root, "current-context");
  if (!current || !current->is_scalar() || current->text().empty()) {
    r.fail(current ? current->pos() : root.pos(), "no current-context",
           "kubectl config use-context NAME");
    result.error = r.error;
    return result;
  }
  k.context = current->text();
  auto context = r.named(root, "contexts", "context", k.context, current->pos());
  if (context) {
    std::string cluster_name = r.field(*context, "cluster", false);
    std::string user_name = r.field(*context, "user", false);
    if (!r.error && cluster_name.empty()) r.fail(context->pos(), "the context names no cluster");
    if (!r.error) {
      if (auto cluster = r.named(root, "clusters", "cluster", cluster_name, context->pos())) {
        k.server = r.field(*cluster, "server", false);
        if (!r.error && !k.server.starts_with("https://"))
          r.fail(get(*cluster, "server") ? get(*cluster, "server")->pos() : cluster->pos(),
                 fmt::format("server '{}' is not an https:// URL", k.server));
        k.ca_pem = r.field(*cluster, "certificate-authority-data", true);
        k.insecure_skip_tls_verify = r.field(*cluster, "insecure-skip-tls-verify", false) == "true";
        r.refuse_file(*cluster, "certificate-authority", "certificate-authority-data");
      }
    }
    if (!r.error && !user_name.empty()) {
      if (auto user = r.named(root, "users", "user", user_name, context->pos())) {
        k.client_cert_pem = r.field(*user, "client-certificate-data", true);
        k.client_key_pem = r.field(*user, "client-key-data", true);
        k.token = r.field(*user, "token", false);
        r.refuse_file(*user, "client-certificate", "client-certificate-data");
        r.refuse_file(*user, "client-key", "client-key-data");
        r.refuse_file(*user, "tokenFile", "token");
        if (auto exec = get(*user, "exec"))
          r.fail(exec->pos(), "exec credential plugins are not run by labgate doctor",
                 "use a kubeconfig with a token or client-certificate-data");
        if (!r.error && k.client_cert_pem.empty() != k.client_key_pem.empty())
          r.fail(user->pos(), "client-certificate-data and client-key-data go together");
      }
    }
  }
  if (r.error)
    result.error = r.error;
  else
    result.config = std::move(k);
  return result;
}

}  // namespace labgate::k8s
