#include "proxy/health.h"

namespace labgate::proxy {

HealthMachine::Change HealthMachine::on_check(bool ok) {
  if (up_) {
    failures_ = ok ? 0 : failures_ + 1;
    if (failures_ < kFall) return Change::kNone;
    up_ = false;
    successes_ = 0;
    return Change::kWentDown;
  }
  successes_ = ok ? successes_ + 1 : 0;
  if (successes_ < kRise) return Change::kNone;
  up_ = true;
  failures_ = 0;
  return Change::kWentUp;
}

HealthMachine::Change HealthMachine::on_passive_failure() {
  successes_ = 0;
  if (!up_) return Change::kNone;
  up_ = false;
  return Change::kWentDown;
}

}  // namespace labgate::proxy
