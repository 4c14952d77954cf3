#include "kernel/nftables_ruleset.h"

#include <nftables/libnftables.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "kernel/nft_counters.h"
#include "plan/nft_ruleset.h"

namespace labgate {
namespace {

// What libnftables says is wrong: the text after "Error: " on the first error line. For input
// given as a buffer, libnftables adds no location but echoes the offending input line (with a
// caret line under it); when that line is found in `script`, its number is prefixed
// ("line 12: ..."), which is the line of `labgate plan`'s output too.
std::string first_error_line(const std::string& text, const std::string& script) {
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t e = lines[i].find("Error: ");
    if (e == std::string::npos) continue;
    std::string what = lines[i].substr(e + 7);
    if (i + 1 < lines.size() && !script.empty() && !lines[i + 1].empty()) {
      size_t number = 1;
      for (size_t start = 0; start < script.size(); ++number) {
        size_t end = script.find('\n', start);
        if (end == std::string::npos) end = script.size();
        if (script.compare(start, end - start, lines[i + 1]) == 0)
          return fmt::format("line {}: {}", number, what);
        start = end + 1;
      }
    }
    return what;
  }
  return lines.empty() ? text : lines[0];
}

// True if this process may change the network namespace's nftables (CAP_NET_ADMIN in its
// effective set). Checked before libnftables runs: without it, libnftables prints to stderr on
// its own, and labgate wants one line of its own instead.
bool has_net_admin() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("CapEff:")) {
      uint64_t caps = std::strtoull(line.c_str() + 7, nullptr, 16);
      return (caps >> 12) & 1;  // CAP_NET_ADMIN is capability 12
    }
  return true;  // cannot tell: let the kernel decide
}

Status no_privilege(const std::string& action) {
  return Status::error(fmt::format("cannot {}: labgate lacks CAP_NET_ADMIN", action),
                       "changing nftables needs root (CAP_NET_ADMIN): run it with sudo");
}

class Context {
 public:
  Context() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
    if (ctx_) {
      nft_ctx_buffer_output(ctx_);
      nft_ctx_buffer_error(ctx_);
    }
  }
  ~Context() {
    if (ctx_) nft_ctx_free(ctx_);
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  bool valid() const { return ctx_ != nullptr; }
  void set_output_flags(unsigned int flags) { nft_ctx_output_set_flags(ctx_, flags); }
  void set_dry_run(bool dry) { nft_ctx_set_dry_run(ctx_, dry); }
  // Runs `commands`; returns true on success. Output and errors stay in the buffers.
  bool run(const std::string& commands) {
    return nft_run_cmd_from_buffer(ctx_, commands.c_str()) == 0;
  }
  std::string output() const {
    const char* s = nft_ctx_get_output_buffer(ctx_);
    return s ? s : "";
  }
  std::string errors() const {
    const char* s = nft_ctx_get_error_buffer(ctx_);
    return s ? s : "";
  }

 private:
  nft_ctx* ctx_;
};

class NftablesRuleset final : public Ruleset {
 public:
  Status check(const std::string& script) override { return execute(script, true, "check"); }
  Status run(const std::string& script) override { return execute(script, false, "apply"); }

  Status list_labgate_table(std::optional<std::string>* table) override {
    table->reset();
    if (!has_net_admin()) return no_privilege("read the live ruleset");
    Context ctx;
    if (!ctx.valid()) return no_context();
    // `list tables` first: listing an absent table is an error indistinguishable from others.
    if (!ctx.run(fmt::format("list tables {}", kNftFamily)))
      return nft_error_status("read the live ruleset", ctx.errors());
    std::string wanted = fmt::format("table {} {}\n", kNftFamily, kNftTable);
    std::string tables = ctx.output();
    if (!tables.starts_with(wanted) && tables.find("\n" + wanted) == std::string::npos)
      return Status::ok_status();
    Context list;
    list.set_output_flags(NFT_CTX_OUTPUT_STATELESS);
    if (!list.run(fmt::format("list table {} {}", kNftFamily, kNftTable)))
      return nft_error_status("read the live ruleset", list.errors());
    *table = list.output();
    return Status::ok_status();
  }

  Status list_counters(std::vector<NamedCounter>* counters) override {
    counters->clear();
    std::optional<std::string> table;
    if (Status s = list_labgate_table(&table); !s.ok() || !table) return s;
    Context ctx;
    if (!ctx.valid()) return no_context();
    ctx.set_output_flags(NFT_CTX_OUTPUT_JSON);
    if (!ctx.run(fmt::format("list counters table {} {}", kNftFamily, kNftTable)))
      return nft_error_status("read the counters", ctx.errors());
    Result<std::vector<NamedCounter>> parsed = parse_nft_counters_json(ctx.output());
    if (!parsed) return parsed.status();
    *counters = std::move(*parsed);
    return Status::ok_status();
  }

 private:
  static Status no_context() {
    return Status::error("cannot create a libnftables context",
                         "is libnftables installed and working? (`nft list tables` as root)");
  }

  Status execute(const std::string& script, bool dry_run, const char* what) {
    if (!has_net_admin()) return no_privilege(fmt::format("{} the ruleset", what));
    Context ctx;
    if (!ctx.valid()) return no_context();
    ctx.set_dry_run(dry_run);
    if (!ctx.run(script))
      return nft_error_status(fmt::format("{} the ruleset", what), ctx.errors(), script);
    return Status::ok_status();
  }
};

}  // namespace

Status nft_error_status(const std::string& action, const std::string& error_text,
                        const std::string& script) {
  std::string cause = first_error_line(error_text, script);
  if (error_text.find("Operation not permitted") != std::string::npos)
    return Status::error(fmt::format("cannot {}: {}", action, cause),
                         "changing nftables needs root (CAP_NET_ADMIN): run it with sudo");
  if (error_text.find("Protocol not supported") != std::string::npos ||
      error_text.find("Could not process rule: No such file or directory") != std::string::npos)
    return Status::error(
        fmt::format("cannot {}: the kernel lacks an nf_tables feature: {}", action, cause),
        "load the modules: modprobe nf_tables nft_chain_nat nft_ct nft_masq; nothing was changed");
  return Status::error(fmt::format("cannot {}: the ruleset was refused: {}", action, cause),
                       "`labgate plan` prints the ruleset with its line numbers; nothing was "
                       "changed");
}

std::unique_ptr<Ruleset> make_nftables_ruleset() {
  return std::make_unique<NftablesRuleset>();
}

}  // namespace labgate
