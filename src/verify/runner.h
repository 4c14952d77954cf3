// Running checks: every check at once, each probe from its own thread in its node's namespace,
// and the results as a table or JSON.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "verify/checks.h"

namespace labgate {

struct CheckResult {
  Check check;
  Judgement judgement;
  double ms = 0;
};

struct RunOptions {
  int reply_timeout_ms = 2000;    // for checks that expect an answer
  int blocked_timeout_ms = 1000;  // for checks that expect silence: a timeout is the pass
  size_t max_threads = 256;       // checks running at once (each in a thread of its own)
};

// Runs the checks concurrently (up to max_threads at a time) and returns the results in the
// checks' order.
std::vector<CheckResult> run_checks(const std::vector<Check>& checks, const RunOptions& options);

// The live state a check reads (not probes): the nftables table, sysctls. Separate so a test can
// see what verify sees.
// How the live labgate table relates to `ruleset`, judged against what `labgate apply` recorded
// in `state_dir`; *detail says why it could not be read.
RulesetState read_ruleset_state(const std::string& ruleset, const std::string& state_dir,
                                std::string* detail);
std::string read_sysctl(const std::string& dotted_name);

// check, from, to, expected, observed, time, result; then a summary line.
void print_table(const std::vector<CheckResult>& results, std::ostream& out);
// {"checks":[{check,from,to,expected,observed,ms,result}], "passed":N, "failed":N, "skipped":N}
nlohmann::ordered_json results_json(const std::vector<CheckResult>& results);
// results_json(), indented, and a newline.
void print_json(const std::vector<CheckResult>& results, std::ostream& out);

// True iff no result failed (skips do not fail a run).
bool all_passed(const std::vector<CheckResult>& results);

}  // namespace labgate
