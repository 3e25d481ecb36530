// FUZZ_CHECK: an invariant a fuzz target asserts about svm. A failure prints the condition, the
// place and a message, then aborts, which libFuzzer reports as a crash and saves the input.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, ...)                                                                  \
    do {                                                                                       \
        if (!(cond)) [[unlikely]] {                                                            \
            std::fprintf(stderr, "fuzz invariant '%s' failed at %s:%d: %s\n", #cond, __FILE__, \
                         __LINE__, fmt::format(__VA_ARGS__).c_str());                          \
            std::abort();                                                                      \
        }                                                                                      \
    } while (0)
