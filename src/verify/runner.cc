#include "verify/runner.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kernel/datapath.h"
#include "kernel/nftables_ruleset.h"
#include "kernel/sysctls.h"

namespace labgate {

RulesetState read_ruleset_state(const std::string& ruleset, const std::string& state_dir,
                                std::string* detail) {
  auto nft = make_nftables_ruleset();
  ProcSysctls sysctls;
  StateDir state(state_dir);
  KernelDatapath datapath(*nft, sysctls, state);
  LiveComparison c;
  if (Status s = datapath.compare(ruleset, &c); !s.ok()) {
    *detail = s.message();
    return RulesetState::kUnread;
  }
  switch (c.kind) {
    case LiveComparison::Kind::kNoTable:
      return RulesetState::kNoTable;
    case LiveComparison::Kind::kIdentical:
      return RulesetState::kIdentical;
    case LiveComparison::Kind::kDiffersFromApplied:
      return RulesetState::kDiffers;
    case LiveComparison::Kind::kDrifted:
      return RulesetState::kChangedByHand;
  }
  return RulesetState::kUnread;
}

std::string read_sysctl(const std::string& dotted_name) {
  std::string path = "/proc/sys/" + dotted_name;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  std::ifstream in(path);
  std::string value;
  in >> value;
  return value;
}

std::vector<CheckResult> run_checks(const std::vector<Check>& checks, const RunOptions& options) {
  std::vector<CheckResult> results(checks.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < checks.size(); ++i) {
    results[i].check = checks[i];
    // Checks run in waves of fresh threads, so a large lab does not start thousands at once.
    if (threads.size() == options.max_threads) {
      for (auto& t : threads) t.join();
      threads.clear();
    }
    threads.emplace_back([&, i] {
      const Check& c = checks[i];
      Observation seen;
      auto start = std::chrono::steady_clock::now();
      // This thread is made for this check: it may move into the check's namespace for good.
      if (!c.from_netns.empty() && c.expect != Expect::kSkip) {
        if (Status s = enter_netns(c.from_netns); !s.ok()) {
          results[i].judgement = Judgement{Verdict::kFail, "error: " + s.message()};
          return;
        }
      }
      switch (c.expect) {
        case Expect::kReply:
        case Expect::kReachable:
        case Expect::kBlocked:
        case Expect::kPasses:
        case Expect::kFiltered:
        case Expect::kDnsAnswer:
          // Where silence is the pass, waiting longer proves nothing more.
          seen.probe =
              run_probe(c.probe, c.expect == Expect::kBlocked || c.expect == Expect::kFiltered
                                     ? options.blocked_timeout_ms
                                     : options.reply_timeout_ms);
          break;
        case Expect::kRuleset:
          seen.ruleset = read_ruleset_state(c.ruleset, c.subject, &seen.value);
          break;
        case Expect::kSysctl:
          seen.value = read_sysctl(c.subject);
          break;
        case Expect::kSkip:
          break;
      }
      results[i].ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      results[i].judgement = judge(c, seen);
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

bool all_passed(const std::vector<CheckResult>& results) {
  return std::none_of(results.begin(), results.end(),
                      [](const CheckResult& r) { return r.judgement.verdict == Verdict::kFail; });
}

namespace {

std::string time_column(const CheckResult& r) {
  if (r.judgement.verdict == Verdict::kSkip) return "-";
  return fmt::format("{:.1f} ms", r.ms);
}

}  // namespace

void print_table(const std::vector<CheckResult>& results, std::ostream& out) {
  std::vector<std::string> head = {"CHECK", "FROM", "TO", "EXPECTED", "OBSERVED", "TIME", "RESULT"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : results)
    rows.push_back({r.check.name, r.check.from.empty() ? "-" : r.check.from,
                    r.check.to.empty() ? "-" : r.check.to, r.check.expected(), r.judgement.observed,
                    time_column(r), to_string(r.judgement.verdict)});
  std::vector<size_t> width(head.size());
  for (size_t c = 0; c < head.size(); ++c) {
    width[c] = head[c].size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t c = 0; c < cells.size(); ++c)
      s += c + 1 == cells.size() ? cells[c] : fmt::format("{:<{}}  ", cells[c], width[c]);
    out << s << "\n";
  };
  line(head);
  for (const auto& row : rows) line(row);
  size_t pass = 0, fail = 0, skip = 0;
  for (const auto& r : results) {
    pass += r.judgement.verdict == Verdict::kPass;
    fail += r.judgement.verdict == Verdict::kFail;
    skip += r.judgement.verdict == Verdict::kSkip;
  }
  out << fmt::format("{} checks: {} passed, {} failed, {} skipped\n", results.size(), pass, fail,
                     skip);
}

nlohmann::ordered_json results_json(const std::vector<CheckResult>& results) {
  nlohmann::ordered_json j;
  j["checks"] = nlohmann::ordered_json::array();
  size_t pass = 0, fail = 0, skip = 0;
  for (const auto& r : results) {
    nlohmann::ordered_json c;
    c["check"] = r.check.name;
    c["from"] = r.check.from;
    c["to"] = r.check.to;
    c["expected"] = r.check.expected();
    c["observed"] = r.judgement.observed;
    c["ms"] = r.judgement.verdict == Verdict::kSkip ? 0.0 : r.ms;
    c["result"] = to_string(r.judgement.verdict);
    j["checks"].push_back(std::move(c));
    pass += r.judgement.verdict == Verdict::kPass;
    fail += r.judgement.verdict == Verdict::kFail;
    skip += r.judgement.verdict == Verdict::kSkip;
  }
  j["passed"] = pass;
  j["failed"] = fail;
  j["skipped"] = skip;
  return j;
}

void print_json(const std::vector<CheckResult>& results, std::ostream& out) {
  out << results_json(results).dump(2) << "\n";
}

}  // namespace labgate
