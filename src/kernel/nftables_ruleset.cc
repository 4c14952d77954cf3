#include "kernel/nftables_ruleset.h"

#include <nftables/libnftables.h>

#include <fmt/format.h>

#include "plan/nft_ruleset.h"

namespace labgate {
namespace {

// The first line of libnftables' error text that says what is wrong, without the location
// prefix ("internal:0:0-0: ").
std::string first_error_line(const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (size_t e = line.find("Error: "); e != std::string::npos) {
      std::string where = line.substr(0, e);
      std::string what = line.substr(e + 7);
      // Keep "LINE:COL" of errors in the generated script (its lines are those of `labgate
      // plan`); drop libnftables' internal locations.
      if (where.starts_with("<cmdline>:")) {
        size_t colon = where.find(':', 10);
        return fmt::format("line {}: {}", where.substr(10, colon - 10), what);
      }
      return what;
    }
    start = end + 1;
  }
  size_t nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
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
    if (!list.run(fmt::format("list table {} {}", kNftFamily, kNftTable)))
      return nft_error_status("read the live ruleset", list.errors());
    *table = list.output();
    return Status::ok_status();
  }

 private:
  static Status no_context() {
    return Status::error("cannot create a libnftables context",
                         "is libnftables installed and working? (`nft list tables` as root)");
  }

  Status execute(const std::string& script, bool dry_run, const char* what) {
    Context ctx;
    if (!ctx.valid()) return no_context();
    ctx.set_dry_run(dry_run);
    if (!ctx.run(script))
      return nft_error_status(fmt::format("{} the ruleset", what), ctx.errors());
    return Status::ok_status();
  }
};

}  // namespace

Status nft_error_status(const std::string& action, const std::string& error_text) {
  std::string cause = first_error_line(error_text);
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
