// GoogleTest helpers for Status and Result<T> (diag/result.h).
#pragma once

#include <utility>

#include <gtest/gtest.h>

#include "diag/result.h"

namespace labgate::test_support {

// ASSERT_TRUE(IsOk(server.bind(1))): on failure the message says why.
inline ::testing::AssertionResult IsOk(const Status& s) {
  if (s.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << s.to_string();
}
template <class T>
::testing::AssertionResult IsOk(const Result<T>& r) {
  return IsOk(r.status());
}

// The value of `r` into *out when there is one; the status either way.
template <class T>
Status take(Result<T> r, T* out) {
  if (r) *out = std::move(*r);
  return r.status();
}

}  // namespace labgate::test_support
