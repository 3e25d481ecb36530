#pragma once

#include <string_view>

namespace svm {

// The mode a vCPU starts in (and, for reports, runs in).
enum class CpuMode { Real, Protected, Long };

constexpr std::string_view to_string(CpuMode mode) {
    switch (mode) {
        case CpuMode::Real:
            return "real";
        case CpuMode::Protected:
            return "protected";
        case CpuMode::Long:
            return "long";
    }
    return "?";
}

}  // namespace svm
