// Small helpers the benchmark programs share.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace svm::bench {

// Pins this process (and so every child it starts: gdb, svm, QEMU) to host CPU `cpu`
// (sched_setaffinity(2)), so hand-offs between them need no cross-CPU wake-up. Prints
// "<tool>: pinned to CPU n". Returns an error if the kernel refuses.
Result<void> pin_to_cpu(int cpu, std::string_view tool);

// Writes `bytes` to a new file /tmp/svm-bench-<name>-XXXXXX<suffix>. Returns its path.
Result<std::string> write_temp_file(std::span<const uint8_t> bytes, std::string_view name,
                                    std::string_view suffix);

// Returns `name` if it is a path (contains '/'), else its full path in PATH, or nullopt.
std::optional<std::string> find_in_path(const std::string& name);

}  // namespace svm::bench
