// svm's one error type. Set-up paths return Result<T>; main() prints the Error as one sentence.
// Per-exit and per-packet paths never throw. A broken invariant of svm itself is SVM_ASSERT.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <expected>
#include <string>
#include <utility>

namespace svm {

struct Error {
    std::string message;
    int exit_code = 0;  // the process exit code main() should use; 0 = decided by the caller
};

template <typename T = void>
using Result = std::expected<T, Error>;

// Returns an unexpected Error whose message is formatted with fmt.
template <typename... Args>
[[nodiscard]] std::unexpected<Error> error(fmt::format_string<Args...> format, Args&&... args) {
    return std::unexpected(Error{fmt::format(format, std::forward<Args>(args)...)});
}

// Returns `e` with its exit code set (see core/machine/run_outcome.h).
inline std::unexpected<Error> with_exit_code(Error e, int code) {
    e.exit_code = code;
    return std::unexpected(std::move(e));
}

// Prefixes an error's message with context ("kernel.elf: " + message).
template <typename T>
Result<T> with_context(Result<T> result, const std::string& context) {
    if (!result) result.error().message = context + ": " + result.error().message;
    return result;
}

[[noreturn]] inline void assertion_failed(const char* expr, const char* file, int line) {
    std::fprintf(stderr, "svm: internal error: assertion '%s' failed at %s:%d\n", expr, file, line);
    std::abort();
}

}  // namespace svm

// Evaluates a Result-returning expression; on error returns the error from the calling function,
// otherwise yields the value. (GCC statement expression, as SerenityOS's TRY.)
#define TRY(expr)                                                       \
    ({                                                                  \
        auto&& _svm_try_result = (expr);                                \
        if (!_svm_try_result) [[unlikely]]                              \
            return std::unexpected(std::move(_svm_try_result.error())); \
        std::move(_svm_try_result).value();                             \
    })

// A broken invariant of svm (never of the guest): abort with file:line.
#define SVM_ASSERT(expr) \
    ((expr) ? static_cast<void>(0) : ::svm::assertion_failed(#expr, __FILE__, __LINE__))
