#include "devices/debug_console.h"

#include <algorithm>
#include <utility>

namespace svm {

DebugConsole::DebugConsole(OutputSink output) : output_(std::move(output)) {}

void DebugConsole::read(uint64_t offset, std::span<uint8_t> data) {
    std::ranges::fill(data, uint8_t{0xff});
    // QEMU's debugcon (hw/char/debugcon.c) returns its readback value, 0xE9 by default.
    if (offset == 0 && !data.empty()) data[0] = kReadback;
}

void DebugConsole::write(uint64_t offset, std::span<const uint8_t> data) {
    if (offset != 0 || data.empty() || !output_) return;
    // A wider OUT (outw/outl to 0xE9) sends its low byte only, as QEMU's debugcon does.
    output_(data.first(1));
}

}  // namespace svm
