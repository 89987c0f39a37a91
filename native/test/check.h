// A minimal check macro for the native tests: prints the failed expression and exits non-zero,
// so a test binary is its own pass/fail signal (no test framework needed offline).
#pragma once

#include <cstdio>
#include <cstdlib>

#define CHECK(condition)                                                              \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::exit(1);                                                                   \
    }                                                                                 \
  } while (0)

#define CHECK_EQ(a, b)                                                                \
  do {                                                                                \
    const auto check_a_ = (a);                                                        \
    const auto check_b_ = (b);                                                        \
    if (!(check_a_ == check_b_)) {                                                    \
      std::fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%.17g vs %.17g)\n", __FILE__, \
                   __LINE__, #a, #b, static_cast<double>(check_a_),                   \
                   static_cast<double>(check_b_));                                    \
      std::exit(1);                                                                   \
    }                                                                                 \
  } while (0)
