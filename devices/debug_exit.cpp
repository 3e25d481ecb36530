#include "devices/debug_exit.h"

#include <algorithm>
#include <utility>

namespace svm {

DebugExit::DebugExit(std::function<void(int exit_code)> on_exit) : on_exit_(std::move(on_exit)) {}

int DebugExit::exit_code_for(uint64_t value) {
    // QEMU hw/misc/debugexit.c: debug_exit_write() calls exit((val << 1) | 1) with a uint64_t val;
    // the conversion to exit()'s int keeps the low 32 bits (two's complement on every host).
    return static_cast<int>(static_cast<uint32_t>((value << 1) | 1));
}

void DebugExit::read(uint64_t /*offset*/, std::span<uint8_t> data) {
    std::ranges::fill(data, uint8_t{0});
}

void DebugExit::write(uint64_t /*offset*/, std::span<const uint8_t> data) {
    if (data.empty() || !on_exit_) return;
    uint64_t value = 0;
    size_t size = std::min<size_t>(data.size(), sizeof(value));
    for (size_t i = 0; i < size; ++i) value |= uint64_t{data[i]} << (8 * i);
    on_exit_(exit_code_for(value));
}

}  // namespace svm
