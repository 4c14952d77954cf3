// The health of one backend, as a small state machine fed with check results (pure, no I/O).
//
// The rule: a backend starts up. It goes down after kFall failed active checks in a row, or at
// once when a real connection to it fails to connect (passive marking: the failure was just seen,
// and waiting for a second one would send another client to it). It comes back up after kRise
// good checks in a row. A good check while up, or a failed one while down, changes nothing.
#pragma once

namespace labgate::proxy {

class HealthMachine {
 public:
  static constexpr int kFall = 2;
  static constexpr int kRise = 2;
  enum class Change { kNone, kWentDown, kWentUp };

  Change on_check(bool ok);
  Change on_passive_failure();
  bool up() const { return up_; }

 private:
  bool up_ = true;
  int failures_ = 0;   // failed checks in a row while up
  int successes_ = 0;  // good checks in a row while down
};

}  // namespace labgate::proxy
