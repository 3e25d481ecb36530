// A guest-physical range a loader filled (kernel segment, boot module or --load-file).
#pragma once

#include <cstdint>

namespace svm {

// For the memory maps and for overlap checks.
struct LoadedRange {
    uint64_t base;
    uint64_t size;
    bool is_module;  // false: kernel image (or a --load-file)
};

}  // namespace svm
