#include "kernel/datapath.h"

#include <signal.h>
#include <unistd.h>

#include <ctime>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "plan/nft_diff.h"
#include "plan/nft_ruleset.h"

namespace labgate {
namespace {

using json = nlohmann::json;
using SysctlValues = std::vector<std::pair<std::string, std::string>>;

// State files; see state_dir.h.
constexpr const char* kApplied = "applied.json";                   // {source, table, live}
constexpr const char* kPrevious = "previous.json";                 // {table|null, sysctls{}}
constexpr const char* kOriginalSysctls = "sysctls-original.json";  // {name: value}
constexpr const char* kPending = "confirm-pending.json";           // {pid, deadline}
constexpr const char* kConfirmLog = "confirm.log";

// Every state file carries "checksum": FNV-1a (64 bits) of the canonical dump of the rest, so a
// file that is damaged but still parses (a flipped digit, a hand edit) is caught too. Files
// written before the checksum existed are accepted when their shape is right.
std::string checksum_of(const json& j) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : j.dump()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

bool is_string_map(const json& j) {
  if (!j.is_object()) return false;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!it.value().is_string() || it.key().empty() ||
        it.key().find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.-/") != std::string::npos)
      return false;
  return true;
}

bool is_string_or_null(const json& j, const char* key) {
  return j.contains(key) && (j[key].is_string() || j[key].is_null());
}

// What is wrong with the shape of state file `name`, or "" if nothing.
std::string shape_error(const std::string& name, const json& j) {
  if (name == kApplied) {
    if (!j.contains("source") || !j["source"].is_string() || !j.contains("table") ||
        !j["table"].is_string() || !is_string_or_null(j, "live"))
      return "it lacks source, table or live";
  } else if (name == kPrevious) {
    if (!is_string_or_null(j, "table") || !j.contains("sysctls") || !is_string_map(j["sysctls"]))
      return "it lacks table or sysctls";
    if (j.contains("sysctls_original") && !is_string_map(j["sysctls_original"]))
      return "its sysctls_original is not a map of sysctl values";
  } else if (name == kOriginalSysctls) {
    if (!is_string_map(j)) return "it is not a map of sysctl names to values";
  } else if (name == kPending) {
    if (!j.contains("pid") || !j["pid"].is_number_integer() || j["pid"].get<long long>() <= 0 ||
        !j.contains("deadline") || !j["deadline"].is_number_integer())
      return "it lacks pid or deadline";
  }
  return "";
}

// What to do about a damaged state file.
std::string damaged_hint(const StateDir& dir, const std::string& name) {
  std::string path = dir.file(name);
  if (name == kOriginalSysctls)
    return fmt::format(
        "it holds the sysctl values from before labgate changed them, which `remove` restores; "
        "set them by hand (forwarding off, if it was before labgate: `sysctl -w "
        "net.ipv4.ip_forward=0`), then delete {} and run the command again",
        path);
  if (name == kPrevious)
    return fmt::format(
        "it holds the state before the last apply or remove, so rollback cannot know what to "
        "restore; check what is live (`nft list table inet labgate`), then delete {} and reach a "
        "known state with `labgate apply` or `labgate remove`",
        path);
  if (name == kPending)
    return fmt::format(
        "an apply may be waiting for confirmation, its timer unknown; end any labgate timer "
        "process (`pgrep -a labgate`), decide whether to keep the live state, then delete {}",
        path);
  return fmt::format(
      "it only records what the last apply installed: delete {}; the next apply "
      "then replaces the table",
      path);
}

// Reads state file `name`, verified: *out is nullopt when it does not exist; a file that cannot
// be read, does not parse, fails its checksum or has the wrong shape is an error that says what
// to do. The checksum is not part of *out.
Status read_state(const StateDir& dir, const std::string& name, std::optional<json>* out) {
  out->reset();
  auto text = dir.read(name);
  if (!text) {
    if (::access(dir.file(name).c_str(), F_OK) != 0) return Status::ok_status();
    return Status::error(fmt::format("cannot read the state file {}", dir.file(name)),
                         "the state directory needs root; choose another with --state-dir");
  }
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  std::string why;
  if (j.is_discarded()) {
    why = "it is not valid JSON";
  } else if (!j.is_object()) {
    why = "it is not a JSON object";
  } else if (j.contains("checksum")) {
    json rest = j;
    rest.erase("checksum");
    if (!j["checksum"].is_string() || j["checksum"].get<std::string>() != checksum_of(rest))
      why = "its checksum does not match its content";
    j = std::move(rest);
  }
  if (why.empty()) why = shape_error(name, j);
  if (!why.empty())
    return Status::error(fmt::format("the state file {} is damaged: {}", dir.file(name), why),
                         damaged_hint(dir, name));
  *out = std::move(j);
  return Status::ok_status();
}

Status write_json(StateDir& dir, const char* name, json j) {
  j.erase("checksum");
  j["checksum"] = checksum_of(j);
  return dir.write_atomic(name, j.dump(2) + "\n");
}

json to_json(const SysctlValues& values) {
  json j = json::object();
  for (const auto& [name, value] : values) j[name] = value;
  return j;
}

SysctlValues sysctls_of(const json& j) {
  SysctlValues out;
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.value().is_string()) out.emplace_back(it.key(), it.value().get<std::string>());
  return out;
}

std::optional<std::string> table_of(const json& j) {
  if (j.contains("table") && j["table"].is_string()) return j["table"].get<std::string>();
  return std::nullopt;
}

// True if `pid` is a running labgate process (the confirm timer is a fork of labgate). Guards
// kill() against a recycled pid.
std::string utc_now() {
  time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  char when[32];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return when;
}

bool is_labgate_process(pid_t pid) {
  std::ifstream comm(fmt::format("/proc/{}/comm", pid));
  std::string name;
  return comm && std::getline(comm, name) && name.starts_with("labgate");
}

}  // namespace

std::string replace_script(const std::optional<std::string>& table) {
  return nft_replace_preamble() + table.value_or("");
}

Status KernelDatapath::read_sysctls(const std::vector<std::string>& names, SysctlValues* values) {
  values->clear();
  for (const auto& name : names) {
    std::string value;
    if (Status s = sysctls_.read(name, &value); !s.ok()) return s;
    values->emplace_back(name, value);
  }
  return Status::ok_status();
}

Status KernelDatapath::cancel_pending(Outcome* outcome) {
  std::optional<json> pending;
  if (Status s = read_state(state_, kPending, &pending); !s.ok()) return s;
  if (!pending) return Status::ok_status();
  state_.remove(kPending);
  pid_t pid = (*pending)["pid"].get<pid_t>();
  if (is_labgate_process(pid)) kill(pid, SIGTERM);
  outcome->notes.push_back(fmt::format("stopped the confirm timer (pid {})", pid));
  return Status::ok_status();
}

Status KernelDatapath::apply(const DesiredState& desired, Outcome* outcome) {
  if (Status s = state_.ensure(); !s.ok()) return s;
  if (Status s = state_.lock(); !s.ok()) return s;

  std::optional<std::string> live;
  if (Status s = ruleset_.list_labgate_table(&live); !s.ok()) return s;
  std::vector<std::string> names;
  for (const auto& sc : desired.sysctls) names.push_back(sc.name);
  SysctlValues current;
  if (Status s = read_sysctls(names, &current); !s.ok()) return s;

  std::optional<json> applied;
  if (Status s = read_state(state_, kApplied, &applied); !s.ok()) return s;
  std::optional<json> pending, original_record;
  if (Status s = read_state(state_, kPending, &pending); !s.ok()) return s;
  if (Status s = read_state(state_, kOriginalSysctls, &original_record); !s.ok()) return s;
  bool table_current = applied && live && table_of(*applied) == desired.table &&
                       (*applied)["live"].is_string() && (*applied)["live"] == *live;
  bool sysctls_current = true;
  for (size_t i = 0; i < desired.sysctls.size(); ++i)
    sysctls_current &= current[i].second == desired.sysctls[i].value;
  if (table_current && sysctls_current) {
    outcome->changed = false;
    outcome->notes.push_back("nothing to change: the live table and sysctls match the plan");
    return Status::ok_status();
  }
  if (pending)
    return Status::error("an earlier apply is waiting for confirmation",
                         "run `labgate confirm` to keep it or `labgate rollback` to undo it first");

  std::string script = replace_script(desired.table);
  if (Status s = ruleset_.check(script); !s.ok()) return s;

  // Record the state before this apply first: if labgate dies after the transaction, rollback
  // still knows what to restore. On failure the old record comes back.
  auto old_previous = state_.read(kPrevious);
  json previous = {{"table", live ? json(*live) : json(nullptr)}, {"sysctls", to_json(current)}};
  if (Status s = write_json(state_, kPrevious, previous); !s.ok()) return s;
  json original = original_record.value_or(json::object());
  for (const auto& [name, value] : current)
    if (!original.contains(name)) original[name] = value;
  if (Status s = write_json(state_, kOriginalSysctls, original); !s.ok()) return s;

  if (Status s = ruleset_.run(script); !s.ok()) {
    if (old_previous)
      state_.write_atomic(kPrevious, *old_previous);
    else
      state_.remove(kPrevious);
    return s;
  }
  outcome->changed = true;
  outcome->notes.push_back(
      fmt::format("table {} {}: {}", kNftFamily, kNftTable, live ? "replaced" : "created"));

  // Sysctls after the ruleset, so forwarding starts with the filter in place.
  for (size_t i = 0; i < desired.sysctls.size(); ++i) {
    const Sysctl& want = desired.sysctls[i];
    if (current[i].second == want.value) continue;
    if (Status s = sysctls_.write(want.name, want.value); !s.ok()) {
      Outcome undo;
      restore(live, current, &undo);
      if (old_previous)
        state_.write_atomic(kPrevious, *old_previous);
      else
        state_.remove(kPrevious);
      return Status::error(s.message() + "; the previous ruleset was restored", s.hint());
    }
    outcome->notes.push_back(
        fmt::format("sysctl {}: {} -> {}", want.name, current[i].second, want.value));
  }

  std::optional<std::string> live_after;
  if (Status s = ruleset_.list_labgate_table(&live_after); !s.ok()) return s;
  json record = {{"source", desired.source},
                 {"table", desired.table},
                 {"live", live_after ? json(*live_after) : json(nullptr)}};
  return write_json(state_, kApplied, record);
}

Status KernelDatapath::start_pending_confirm(pid_t timer_pid, int seconds) {
  if (Status s = state_.lock(); !s.ok()) return s;
  json pending = {{"pid", timer_pid},
                  {"deadline", static_cast<long long>(time(nullptr)) + seconds}};
  return write_json(state_, kPending, pending);
}

Status KernelDatapath::confirm(Outcome* outcome) {
  if (Status s = state_.lock(); !s.ok()) return s;
  std::optional<json> pending;
  if (Status s = read_state(state_, kPending, &pending); !s.ok()) return s;
  if (!pending) {
    outcome->notes.push_back("nothing to confirm: no apply is waiting for confirmation");
    return Status::ok_status();
  }
  if (Status s = cancel_pending(outcome); !s.ok()) return s;
  outcome->changed = true;
  outcome->notes.push_back("confirmed: the applied state is kept");
  return Status::ok_status();
}

Status KernelDatapath::restore(const std::optional<std::string>& table, const SysctlValues& sysctls,
                               Outcome* outcome) {
  std::string script = replace_script(table);
  if (Status s = ruleset_.check(script); !s.ok()) return s;
  if (Status s = ruleset_.run(script); !s.ok()) return s;
  outcome->notes.push_back(
      fmt::format("table {} {}: {}", kNftFamily, kNftTable, table ? "restored" : "deleted"));
  for (const auto& [name, value] : sysctls) {
    std::string now;
    if (sysctls_.read(name, &now).ok() && now == value) continue;
    if (Status s = sysctls_.write(name, value); !s.ok()) return s;
    outcome->notes.push_back(fmt::format("sysctl {}: {} -> {}", name, now, value));
  }
  return Status::ok_status();
}

Status KernelDatapath::rollback_locked(Outcome* outcome) {
  std::optional<json> previous;
  if (Status s = read_state(state_, kPrevious, &previous); !s.ok()) return s;
  if (!previous)
    return Status::error(
        fmt::format("nothing to roll back: no previous state is recorded in {}", state_.path()),
        "rollback undoes the last apply or remove made with the same --state-dir");
  if (Status s = cancel_pending(outcome); !s.ok()) return s;
  if (Status s = restore(table_of(*previous), sysctls_of((*previous)["sysctls"]), outcome); !s.ok())
    return s;
  if (previous->contains("sysctls_original"))  // undoing a remove
    write_json(state_, kOriginalSysctls, (*previous)["sysctls_original"]);
  outcome->changed = true;
  // The restored state was not compiled by labgate from a file: forget the apply record (a
  // later apply then replaces the table even if it happens to match), and the previous state
  // (it is live now).
  state_.remove(kApplied);
  state_.remove(kPrevious);
  return Status::ok_status();
}

Status KernelDatapath::rollback(Outcome* outcome) {
  if (Status s = state_.lock(); !s.ok()) return s;
  return rollback_locked(outcome);
}

Status KernelDatapath::rollback_if_unconfirmed(pid_t timer_pid, Outcome* outcome) {
  if (Status s = state_.lock(); !s.ok()) return s;
  std::optional<json> pending;
  if (Status s = read_state(state_, kPending, &pending); !s.ok()) {
    state_.append_line(kConfirmLog, fmt::format("{} error: cannot tell whether the apply was "
                                                "confirmed, nothing rolled back: {}",
                                                utc_now(), s.to_string()));
    return s;
  }
  if (!pending || (*pending)["pid"].get<pid_t>() != timer_pid) {
    outcome->notes.push_back("confirmed in time (or superseded): nothing rolled back");
    return Status::ok_status();
  }
  state_.remove(kPending);  // this process is the timer: nothing to signal
  Status s = rollback_locked(outcome);
  state_.append_line(kConfirmLog, fmt::format("{} {}not confirmed in time: rollback {}", utc_now(),
                                              s.ok() ? "" : "error: ", s.to_string()));
  for (const auto& note : outcome->notes) state_.append_line(kConfirmLog, "  " + note);
  return s;
}

Status KernelDatapath::remove(Outcome* outcome) {
  if (Status s = state_.ensure(); !s.ok()) return s;
  if (Status s = state_.lock(); !s.ok()) return s;
  std::optional<std::string> live;
  if (Status s = ruleset_.list_labgate_table(&live); !s.ok()) return s;
  std::optional<json> original_record;
  if (Status s = read_state(state_, kOriginalSysctls, &original_record); !s.ok()) return s;
  SysctlValues original = sysctls_of(original_record.value_or(json::object()));
  std::vector<std::string> names;
  for (const auto& [name, value] : original) names.push_back(name);
  SysctlValues current;
  if (Status s = read_sysctls(names, &current); !s.ok()) return s;

  if (Status s = cancel_pending(outcome); !s.ok()) return s;
  if (live) {
    std::string script = replace_script(std::nullopt);
    if (Status s = ruleset_.check(script); !s.ok()) return s;
    // What remove undoes can be restored by `labgate rollback`, including the record of the
    // original sysctl values, which remove forgets (they are live again).
    json previous = {
        {"table", *live}, {"sysctls", to_json(current)}, {"sysctls_original", to_json(original)}};
    if (Status s = write_json(state_, kPrevious, previous); !s.ok()) return s;
    if (Status s = ruleset_.run(script); !s.ok()) return s;
    outcome->changed = true;
    outcome->notes.push_back(fmt::format("table {} {}: deleted", kNftFamily, kNftTable));
  }
  for (size_t i = 0; i < original.size(); ++i) {
    const auto& [name, value] = original[i];
    if (current[i].second == value) continue;
    if (Status s = sysctls_.write(name, value); !s.ok()) return s;
    outcome->changed = true;
    outcome->notes.push_back(fmt::format("sysctl {}: {} -> {}", name, current[i].second, value));
  }
  state_.remove(kApplied);
  state_.remove(kOriginalSysctls);
  if (!outcome->changed) outcome->notes.push_back("nothing to remove: no labgate table is live");
  return Status::ok_status();
}

Status KernelDatapath::compare(const std::string& table, LiveComparison* comparison) {
  std::optional<std::string> live;
  if (Status s = ruleset_.list_labgate_table(&live); !s.ok()) return s;
  if (!live) {
    comparison->kind = LiveComparison::Kind::kNoTable;
    return Status::ok_status();
  }
  std::optional<json> applied;
  if (Status s = read_state(state_, kApplied, &applied); !s.ok()) return s;
  bool live_is_applied = applied && (*applied)["live"].is_string() && (*applied)["live"] == *live;
  auto applied_table = applied ? table_of(*applied) : std::nullopt;
  if (live_is_applied && applied_table == table) {
    comparison->kind = LiveComparison::Kind::kIdentical;
  } else if (live_is_applied && applied_table) {
    comparison->kind = LiveComparison::Kind::kDiffersFromApplied;
    comparison->diff = unified_diff(*applied_table, table, "live (as applied)", "plan");
  } else {
    comparison->kind = LiveComparison::Kind::kDrifted;
    comparison->diff = unified_diff(*live, table, "live (nft list table inet labgate)", "plan");
  }
  return Status::ok_status();
}

}  // namespace labgate
