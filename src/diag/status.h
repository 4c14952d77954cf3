// Status: the result of an operation, LevelDB style. No exceptions on these paths. Result<T>
// (result.h) carries a value or a failed Status.
//
// A failed Status carries what went wrong (`message`, one line, no trailing period) and, when
// labgate knows it, what to do about it (`hint`).
#pragma once

#include <string>
#include <utility>

namespace labgate {

class Status {
 public:
  static Status ok_status() { return Status(); }
  static Status error(std::string message, std::string hint = {}) {
    Status s;
    s.failed_ = true;
    s.message_ = std::move(message);
    s.hint_ = std::move(hint);
    return s;
  }

  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }
  // "message (hint: ...)" on one line.
  std::string to_string() const {
    if (ok()) return "ok";
    return hint_.empty() ? message_ : message_ + " (hint: " + hint_ + ")";
  }

 private:
  bool failed_ = false;
  std::string message_;
  std::string hint_;
};

}  // namespace labgate
