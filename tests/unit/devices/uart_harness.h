// A Uart16550 wired to a recording OutputSink and IrqLine, with one-byte register accessors.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "devices/uart16550.h"

namespace svm::test {

// Register offsets and bits the tests use (PC16550D datasheet, Table II).
inline constexpr uint64_t kRbr = 0, kThr = 0, kDll = 0, kIer = 1, kDlm = 1, kIir = 2, kFcr = 2,
                          kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7;

class UartHarness {
public:
    // Called from inside the IrqLine after the edge is recorded, to test re-entrancy.
    std::function<void(bool)> on_irq;

    uint8_t in(uint64_t offset) {
        uint8_t value = 0;
        uart.read(offset, std::span<uint8_t>(&value, 1));
        return value;
    }
    void out(uint64_t offset, uint8_t value) {
        uart.write(offset, std::span<const uint8_t>(&value, 1));
    }
    size_t receive(const std::string& text) {
        return uart.receive(
            std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    }
    std::string output_text() {
        std::lock_guard lock(mutex);
        return std::string(output.begin(), output.end());
    }
    std::vector<bool> edges() {
        std::lock_guard lock(mutex);
        return irq_edges;
    }

    std::mutex mutex;  // guards the recordings below
    std::vector<uint8_t> output;
    size_t output_calls = 0;
    std::vector<bool> irq_edges;

    Uart16550 uart{[this](std::span<const uint8_t> bytes) {
                       std::lock_guard lock(mutex);
                       output.insert(output.end(), bytes.begin(), bytes.end());
                       ++output_calls;
                   },
                   [this](bool asserted) {
                       {
                           std::lock_guard lock(mutex);
                           irq_edges.push_back(asserted);
                       }
                       if (on_irq) on_irq(asserted);
                   }};
};

}  // namespace svm::test
