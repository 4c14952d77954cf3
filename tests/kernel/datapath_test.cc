#include "kernel/datapath.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plan/nft_ruleset.h"

namespace labgate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The kernel, as far as labgate can tell: one optional table. A script is the replace preamble
// followed by the table text (or nothing: delete). Listing returns the text the way the kernel
// would print it — here with a marker, so tests notice if labgate compares its own text with a
// listing.
class FakeRuleset : public Ruleset {
 public:
  std::optional<std::string> table;
  Status fail_check, fail_run, fail_list;
  int checks = 0, runs = 0;

  Status check(const std::string& script) override {
    ++checks;
    EXPECT_TRUE(script.starts_with(nft_replace_preamble())) << script;
    return fail_check;
  }
  Status run(const std::string& script) override {
    ++runs;
    if (!fail_run.ok()) return fail_run;
    std::string rest = script.substr(nft_replace_preamble().size());
    if (rest.empty()) {
      table.reset();
    } else {
      if (rest.ends_with("# listed\n")) rest.erase(rest.size() - 9);
      table = rest;
    }
    return Status::ok_status();
  }
  Status list_labgate_table(std::optional<std::string>* out) override {
    if (!fail_list.ok()) return fail_list;
    if (table)
      *out = *table + "# listed\n";
    else
      out->reset();
    return Status::ok_status();
  }
  // The counters the live table declares ("\tcounter NAME {"), with the values set here.
  std::map<std::string, NamedCounter> counter_values;
  Status list_counters(std::vector<NamedCounter>* out) override {
    out->clear();
    if (!fail_list.ok()) return fail_list;
    if (!table) return Status::ok_status();
    std::istringstream lines(*table);
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with("\tcounter ")) continue;
      std::string name = line.substr(9, line.find(' ', 9) - 9);
      auto v = counter_values.find(name);
      out->push_back(v != counter_values.end() ? v->second : NamedCounter{name, 0, 0});
    }
    return Status::ok_status();
  }
};

class FakeSysctls : public Sysctls {
 public:
  std::map<std::string, std::string> values{{"net.ipv4.ip_forward", "0"}};
  bool fail_write = false;
  Status read(const std::string& name, std::string* value) override {
    auto it = values.find(name);
    if (it == values.end()) return Status::error("no such sysctl " + name);
    *value = it->second;
    return Status::ok_status();
  }
  Status write(const std::string& name, const std::string& value) override {
    if (fail_write) return Status::error("cannot set sysctl " + name, "needs root");
    values[name] = value;
    return Status::ok_status();
  }
};

class KernelDatapathTest : public ::testing::Test {
 protected:
  KernelDatapathTest() {
    char tmpl[] = "/tmp/labgate-datapath-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~KernelDatapathTest() override { std::filesystem::remove_all(dir_); }

  // A fresh StateDir per command, as each labgate process has its own.
  Status apply(const std::string& table, Outcome* out = nullptr) {
    Outcome local;
    StateDir state(dir_);
    return KernelDatapath(ruleset_, sysctls_, state)
        .apply(DesiredState{table, {{"net.ipv4.ip_forward", "1"}}, "test.yaml"},
               out ? out : &local);
  }
  template <typename F>
  Status run(F f, Outcome* out = nullptr) {
    Outcome local;
    StateDir state(dir_);
    KernelDatapath datapath(ruleset_, sysctls_, state);
    return f(datapath, out ? out : &local);
  }
  std::string ip_forward() { return sysctls_.values["net.ipv4.ip_forward"]; }
  bool has_state(const char* name) { return std::filesystem::exists(dir_ + "/" + name); }

  std::string dir_;
  FakeRuleset ruleset_;
  FakeSysctls sysctls_;
};

const std::string kTableA = "table inet labgate {\n\tchain a {\n\t}\n}\n";
const std::string kTableB = "table inet labgate {\n\tchain b {\n\t}\n}\n";

TEST_F(KernelDatapathTest, ApplyCreatesTheTableThenSetsSysctls) {
  Outcome out;
  ASSERT_TRUE(apply(kTableA, &out).ok());
  EXPECT_TRUE(out.changed);
  EXPECT_EQ(ruleset_.table, kTableA);
  EXPECT_EQ(ip_forward(), "1");
  EXPECT_THAT(out.notes, ::testing::ElementsAre("table inet labgate: created",
                                                "sysctl net.ipv4.ip_forward: 0 -> 1"));
  EXPECT_EQ(ruleset_.checks, 1);  // dry-run before the transaction
  EXPECT_EQ(ruleset_.runs, 1);
}

TEST_F(KernelDatapathTest, ReapplyingTheSamePlanTouchesNothing) {
  ASSERT_TRUE(apply(kTableA).ok());
  Outcome out;
  ASSERT_TRUE(apply(kTableA, &out).ok());
  EXPECT_FALSE(out.changed);
  EXPECT_THAT(out.notes[0], HasSubstr("nothing to change"));
  EXPECT_EQ(ruleset_.runs, 1);
  EXPECT_EQ(ruleset_.checks, 1);
}

TEST_F(KernelDatapathTest, ReappliesWhenTheLiveTableWasChangedBehindLabgatesBack) {
  ASSERT_TRUE(apply(kTableA).ok());
  ruleset_.table = kTableB;  // someone edited it by hand
  Outcome out;
  ASSERT_TRUE(apply(kTableA, &out).ok());
  EXPECT_TRUE(out.changed);
  EXPECT_EQ(ruleset_.table, kTableA);
}

TEST_F(KernelDatapathTest, ARefusedRulesetChangesNothing) {
  ruleset_.fail_check = Status::error("cannot check the ruleset: the ruleset was refused: x");
  Status s = apply(kTableA);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("refused"));
  EXPECT_FALSE(ruleset_.table);
  EXPECT_EQ(ruleset_.runs, 0);
  EXPECT_EQ(ip_forward(), "0");
  EXPECT_FALSE(has_state("previous.json"));
  EXPECT_FALSE(has_state("applied.json"));
}

TEST_F(KernelDatapathTest, AFailedTransactionKeepsTheEarlierRollbackPoint) {
  ASSERT_TRUE(apply(kTableA).ok());
  ASSERT_TRUE(apply(kTableB).ok());  // previous = A
  ruleset_.fail_run = Status::error("cannot apply the ruleset: boom");
  EXPECT_FALSE(apply(kTableA + "x").ok());
  EXPECT_EQ(ruleset_.table, kTableB);
  ruleset_.fail_run = Status::ok_status();
  ASSERT_TRUE(run([](KernelDatapath& d, Outcome* o) { return d.rollback(o); }).ok());
  EXPECT_EQ(ruleset_.table, kTableA);
}

TEST_F(KernelDatapathTest, ASysctlFailureRestoresThePreviousRuleset) {
  ruleset_.table = kTableB;  // a table from before
  sysctls_.fail_write = true;
  Status s = apply(kTableA);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("previous ruleset was restored"));
  EXPECT_EQ(ruleset_.table, kTableB);
  EXPECT_EQ(ip_forward(), "0");
}

TEST_F(KernelDatapathTest, RollbackRestoresTheStateBeforeTheLastApply) {
  ASSERT_TRUE(apply(kTableA).ok());
  ASSERT_TRUE(apply(kTableB).ok());
  Outcome out;
  ASSERT_TRUE(run([](KernelDatapath& d, Outcome* o) { return d.rollback(o); }, &out).ok());
  EXPECT_EQ(ruleset_.table, kTableA);
  EXPECT_EQ(ip_forward(), "1");
  // Nothing left to roll back to.
  Status again = run([](KernelDatapath& d, Outcome* o) { return d.rollback(o); });
  EXPECT_FALSE(again.ok());
  EXPECT_THAT(again.message(), HasSubstr("nothing to roll back"));
}

TEST_F(KernelDatapathTest, RollbackOfTheFirstApplyDeletesTheTableAndRestoresSysctls) {
  ASSERT_TRUE(apply(kTableA).ok());
  ASSERT_TRUE(run([](KernelDatapath& d, Outcome* o) { return d.rollback(o); }).ok());
  EXPECT_FALSE(ruleset_.table);
  EXPECT_EQ(ip_forward(), "0");
}

TEST_F(KernelDatapathTest, RemoveDeletesTheTableAndRestoresTheOriginalSysctls) {
  ASSERT_TRUE(apply(kTableA).ok());
  ASSERT_TRUE(apply(kTableB).ok());  // the original ip_forward (0) is kept from the first apply
  Outcome out;
  ASSERT_TRUE(run([](KernelDatapath& d, Outcome* o) { return d.remove(o); }, &out).ok());
  EXPECT_FALSE(ruleset_.table);
  EXPECT_EQ(ip_forward(), "0");
  EXPECT_THAT(out.notes, ::testing::Contains("sysctl net.ipv4.ip_forward: 1 -> 0"));
  // A second remove has nothing to do; a rollback undoes the remove.
  Outcome again;
  ASSERT_TRUE(run([](KernelDatapath& d, Outcome* o) { return d.remove(o); }, &again).ok());
  EXPECT_FALSE(again.changed);
  ASSERT_TRUE(run([](KernelDatapath& d, Outcome* o) { return d.rollback(o); }).ok());
  EXPECT_EQ(ruleset_.table, kTableB);
  EXPECT_EQ(ip_forward(), "1");
  // ... and the original values are remembered again: a later remove restores them.
  ASSERT_TRUE(run([](KernelDatapath& d, Outcome* o) { return d.remove(o); }).ok());
  EXPECT_EQ(ip_forward(), "0");
}

TEST_F(KernelDatapathTest, AnUnconfirmedApplyIsRolledBackByItsTimerOnly) {
  ASSERT_TRUE(apply(kTableA).ok());
  ASSERT_TRUE(apply(kTableB).ok());
  pid_t timer = 999999;  // not a labgate process: never signalled
  ASSERT_TRUE(
      run([&](KernelDatapath& d, Outcome*) { return d.start_pending_confirm(timer, 60); }).ok());
  // Another apply must wait for the decision.
  Status refused = apply(kTableA + "x");
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(refused.hint(), HasSubstr("labgate confirm"));
  // A stale timer does nothing; the pending one rolls back.
  ASSERT_TRUE(run([&](KernelDatapath& d, Outcome* o) {
                return d.rollback_if_unconfirmed(timer + 1, o);
              }).ok());
  EXPECT_EQ(ruleset_.table, kTableB);
  ASSERT_TRUE(
      run([&](KernelDatapath& d, Outcome* o) { return d.rollback_if_unconfirmed(timer, o); }).ok());
  EXPECT_EQ(ruleset_.table, kTableA);
  EXPECT_FALSE(has_state("confirm-pending.json"));
  EXPECT_TRUE(has_state("confirm.log"));
}

TEST_F(KernelDatapathTest, AConfirmedApplyStays) {
  ASSERT_TRUE(apply(kTableA).ok());
  pid_t timer = 999999;
  ASSERT_TRUE(
      run([&](KernelDatapath& d, Outcome*) { return d.start_pending_confirm(timer, 60); }).ok());
  Outcome out;
  ASSERT_TRUE(run([](KernelDatapath& d, Outcome* o) { return d.confirm(o); }, &out).ok());
  EXPECT_TRUE(out.changed);
  ASSERT_TRUE(
      run([&](KernelDatapath& d, Outcome* o) { return d.rollback_if_unconfirmed(timer, o); }).ok());
  EXPECT_EQ(ruleset_.table, kTableA);
  Outcome twice;
  ASSERT_TRUE(run([](KernelDatapath& d, Outcome* o) { return d.confirm(o); }, &twice).ok());
  EXPECT_FALSE(twice.changed);
}

// Issue 12 items 6 and 7: a damaged state file is an error that says what to do, never read as
// "absent". Damage that still parses (a flipped value) is caught by the checksum.
void damage(const std::string& path, const std::string& how) {
  std::string text;
  {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (how == "truncate") {
    text = text.substr(0, text.size() / 2);
  } else {  // flip: a value changed, the JSON still valid
    size_t at = text.find(how);
    ASSERT_NE(at, std::string::npos) << how << " not in " << text;
    text[at + how.size() - 2] = text[at + how.size() - 2] == '0' ? '1' : '0';
  }
  std::ofstream(path, std::ios::trunc) << text;
}

TEST_F(KernelDatapathTest, ADamagedOriginalSysctlsFileFailsRemoveLoudly) {
  for (const char* how : {"truncate", "\"net.ipv4.ip_forward\": \"0\""}) {
    ASSERT_TRUE(apply(kTableA).ok());
    ASSERT_EQ(ip_forward(), "1");
    damage(dir_ + "/sysctls-original.json", how);
    Outcome out;
    Status s = run([](KernelDatapath& d, Outcome* o) { return d.remove(o); }, &out);
    EXPECT_FALSE(s.ok()) << how;
    EXPECT_THAT(s.message(), HasSubstr("sysctls-original.json is damaged")) << how;
    EXPECT_THAT(s.hint(), HasSubstr("sysctl -w net.ipv4.ip_forward=0")) << how;
    EXPECT_FALSE(out.changed);
    EXPECT_EQ(ruleset_.table, kTableA);  // nothing half-done
    // An apply of another table must not overwrite the record with today's values either.
    Status again = apply(kTableB);
    EXPECT_FALSE(again.ok()) << how;
    EXPECT_THAT(again.message(), HasSubstr("is damaged"));
    EXPECT_EQ(ruleset_.table, kTableA);
    // What the hint says to do: set the value by hand and delete the file.
    std::filesystem::remove(dir_ + "/sysctls-original.json");
    sysctls_.values["net.ipv4.ip_forward"] = "0";
    ASSERT_TRUE(run([](KernelDatapath& d, Outcome* o) { return d.remove(o); }).ok());
    EXPECT_FALSE(ruleset_.table);
  }
}

TEST_F(KernelDatapathTest, ADamagedPreviousFileFailsTheConfirmTimerLoudly) {
  for (const char* how : {"truncate", "\"net.ipv4.ip_forward\": \"0\""}) {
    ASSERT_TRUE(apply(kTableA).ok());  // previous: no table, ip_forward 0
    pid_t timer = 999999;
    ASSERT_TRUE(
        run([&](KernelDatapath& d, Outcome*) { return d.start_pending_confirm(timer, 60); }).ok());
    damage(dir_ + "/previous.json", how);
    Status s =
        run([&](KernelDatapath& d, Outcome* o) { return d.rollback_if_unconfirmed(timer, o); });
    EXPECT_FALSE(s.ok()) << how;
    EXPECT_THAT(s.message(), HasSubstr("previous.json is damaged")) << how;
    EXPECT_THAT(s.hint(), HasSubstr("nft list table inet labgate"));
    std::ifstream log(dir_ + "/confirm.log");
    std::stringstream text;
    text << log.rdbuf();
    EXPECT_THAT(text.str(), HasSubstr("error: not confirmed in time: rollback"));
    EXPECT_THAT(text.str(), HasSubstr("previous.json is damaged"));
    EXPECT_THAT(text.str(), Not(HasSubstr("nothing to roll back")));
    // `labgate rollback` says the same, exit 1.
    Status manual = run([](KernelDatapath& d, Outcome* o) { return d.rollback(o); });
    EXPECT_FALSE(manual.ok());
    EXPECT_THAT(manual.message(), HasSubstr("is damaged"));
    // Cleaning up as the hint says: delete it, reach a known state.
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directory(dir_);
    ruleset_.table.reset();
    sysctls_.values["net.ipv4.ip_forward"] = "0";
  }
}

TEST_F(KernelDatapathTest, ADamagedPendingRecordIsAnErrorNotAConfirmation) {
  ASSERT_TRUE(apply(kTableA).ok());
  ASSERT_TRUE(
      run([&](KernelDatapath& d, Outcome*) { return d.start_pending_confirm(999999, 60); }).ok());
  damage(dir_ + "/confirm-pending.json", "truncate");
  Status confirm = run([](KernelDatapath& d, Outcome* o) { return d.confirm(o); });
  EXPECT_FALSE(confirm.ok());
  EXPECT_THAT(confirm.hint(), HasSubstr("pgrep -a labgate"));
  Status timer =
      run([](KernelDatapath& d, Outcome* o) { return d.rollback_if_unconfirmed(999999, o); });
  EXPECT_FALSE(timer.ok());
  EXPECT_FALSE(apply(kTableB).ok());
  EXPECT_EQ(ruleset_.table, kTableA);
}

TEST_F(KernelDatapathTest, StateFilesWithoutAChecksumFromEarlierVersionsAreRead) {
  ASSERT_TRUE(apply(kTableA).ok());
  std::ofstream(dir_ + "/sysctls-original.json", std::ios::trunc)
      << "{\n  \"net.ipv4.ip_forward\": \"0\"\n}\n";
  ASSERT_TRUE(run([](KernelDatapath& d, Outcome* o) { return d.remove(o); }).ok());
  EXPECT_EQ(ip_forward(), "0");
}

TEST_F(KernelDatapathTest, ComparesThePlanWithWhatIsLive) {
  auto compare = [&](const std::string& table) {
    LiveComparison c;
    EXPECT_TRUE(run([&](KernelDatapath& d, Outcome*) { return d.compare(table, &c); }).ok());
    return c;
  };
  EXPECT_EQ(compare(kTableA).kind, LiveComparison::Kind::kNoTable);
  ASSERT_TRUE(apply(kTableA).ok());
  EXPECT_EQ(compare(kTableA).kind, LiveComparison::Kind::kIdentical);
  LiveComparison other = compare(kTableB);
  EXPECT_EQ(other.kind, LiveComparison::Kind::kDiffersFromApplied);
  EXPECT_THAT(other.diff, HasSubstr("-\tchain a {\n+\tchain b {\n"));
  ruleset_.table = kTableB;
  EXPECT_EQ(compare(kTableB).kind, LiveComparison::Kind::kDrifted);
}

TEST_F(KernelDatapathTest, AnUnreadableRulesetStopsApplyBeforeAnyChange) {
  ruleset_.fail_list = Status::error("cannot read the live ruleset: Operation not permitted");
  EXPECT_FALSE(apply(kTableA).ok());
  EXPECT_EQ(ruleset_.runs, 0);
  EXPECT_EQ(ip_forward(), "0");
}

}  // namespace
}  // namespace labgate
