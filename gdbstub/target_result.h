// The error type of the gdbstub library (which knows nothing of svm's core/).
#pragma once

#include <expected>
#include <string>

namespace svm::gdb {

struct TargetError {
    int code = 1;         // sent to gdb as "E xx" (an errno-style number, 1-255)
    std::string message;  // for logs and monitor output
};

template <typename T = void>
using TargetResult = std::expected<T, TargetError>;

inline std::unexpected<TargetError> target_error(int code, std::string message) {
    return std::unexpected(TargetError{code, std::move(message)});
}

}  // namespace svm::gdb
