// Result<T>: a value, or the Status (status.h) that says why there is none. The one "value or
// error" type of labgate's interfaces, instead of `bool` plus a `std::string* error` out-parameter.
//
//   Result<LabPlan> plan = plan_lab(topology, compiled, "t");
//   if (!plan) return plan.status();   // or plan.error() for the message alone
//   use(*plan);
//
// Contract: a Result holds exactly one of the two; a failed Status is never ok(). Accessing the
// value of a failed Result is a programming error (asserted).
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "diag/status.h"

namespace labgate {

template <class T>
class [[nodiscard]] Result {
 public:
  // A value: anything that converts to T (implicit, so `return value;` works).
  template <class U = T, class = std::enable_if_t<std::is_convertible_v<U&&, T> &&
                                                  !std::is_same_v<std::decay_t<U>, Status> &&
                                                  !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value) : state_(std::in_place_index<0>, std::forward<U>(value)) {}  // NOLINT
  Result(Status failure) : state_(std::in_place_index<1>, std::move(failure)) {  // NOLINT
    assert(!std::get<1>(state_).ok());
  }
  static Result failure(std::string message, std::string hint = {}) {
    return Result(Status::error(std::move(message), std::move(hint)));
  }

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The failure; ok_status() for a value.
  Status status() const { return ok() ? Status::ok_status() : std::get<1>(state_); }
  // The failure's message ("" for a value).
  const std::string& error() const {
    static const std::string kNone;
    return ok() ? kNone : std::get<1>(state_).message();
  }

 private:
  std::variant<T, Status> state_;
};

}  // namespace labgate
