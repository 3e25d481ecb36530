// Error codes the debugger reports to gdb ("E xx", errno numbering) and the conversion from svm's
// Result. Internal to core/debug/.
#pragma once

#include "core/result.h"
#include "gdbstub/target_result.h"

namespace svm::debug_errors {

constexpr int kEFault = 14;    // EFAULT: memory or state not accessible
constexpr int kEInval = 22;    // EINVAL: bad argument
constexpr int kENoSpace = 28;  // ENOSPC: no free debug register

inline gdb::TargetResult<void> to_target(Result<void> r, int code = kEInval) {
    if (!r) return gdb::target_error(code, r.error().message);
    return {};
}

}  // namespace svm::debug_errors
