// libFuzzer target: the 16550A UART (devices/uart16550.h) driven through random register
// accesses of every size and offset, host input and the GETCHAR path, against a small model of
// what the guest must see: received bytes come out of RBR and take_received_byte() in order and
// only once, the receive buffer holds kReceiveCapacity bytes, THR bytes reach the sink (or the
// receiver in loopback) one per call, LSR.DR tells whether a byte waits, offsets past 7 read
// 0xFF, and the IRQ line changes only on edges and matches IIR and MCR.OUT2.
//
// Input: operations until the input ends, each an op byte and its arguments:
//   0 u8 offset, u8 size code      read  (offset mod 10; size 1, 2, 4 or 8)
//   1 u8 offset, u8 size code, u64 value   write
//   2 sized bytes                  host input (receive)
//   3                              take_received_byte (the GETCHAR hypercall)
//   4 u16 count                    host input of `count` bytes, up to the capacity + 64
//   5                              read IIR and check the IRQ line against it
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "devices/uart16550.h"
#include "tests/fuzz/common/check.h"
#include "tests/fuzz/common/fuzz_input.h"

using namespace svm;

namespace {

constexpr size_t kSizes[] = {1, 2, 4, 8};

// What the guest can observe of the receive path and the registers that steer it.
struct Model {
    // The receive buffer as a ring, like the device's: no allocation per byte.
    std::array<uint8_t, Uart16550::kReceiveCapacity> ring{};
    size_t head = 0, count = 0;
    uint8_t rbr = 0;
    uint8_t lcr = 0;
    uint8_t mcr = 0;
    bool fifo = false;
    std::vector<uint8_t> expected_output;

    bool push(uint8_t byte) {
        if (count == ring.size()) return false;
        ring[(head + count++) % ring.size()] = byte;
        return true;
    }
    std::optional<uint8_t> pop() {
        if (count == 0) return std::nullopt;
        uint8_t b = ring[head];
        head = (head + 1) % ring.size();
        --count;
        return b;
    }
    void clear() { head = count = 0; }
    bool dlab() const { return lcr & 0x80; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    std::vector<uint8_t> output;
    std::vector<bool> edges;
    Uart16550 uart(
        [&](std::span<const uint8_t> bytes) {
            FUZZ_CHECK(bytes.size() == 1, "the sink got {} bytes in one call", bytes.size());
            output.insert(output.end(), bytes.begin(), bytes.end());
        },
        [&](bool level) {
            bool previous = edges.empty() ? false : edges.back();
            FUZZ_CHECK(level != previous, "the IRQ line was driven to {} twice", level);
            edges.push_back(level);
        });
    Model model;

    while (!in.empty()) {
        const int op = in.u8() % 6;
        switch (op) {
            case 0: {
                const uint64_t offset = in.u8() % 10;
                std::vector<uint8_t> bytes(kSizes[in.u8() % 4]);
                uart.read(offset, bytes);
                for (size_t i = 0; i < bytes.size(); ++i) {
                    const uint64_t reg = offset + i;
                    if (reg >= 8) {
                        FUZZ_CHECK(bytes[i] == 0xff, "offset {} read {:#x}", reg, bytes[i]);
                    } else if (reg == 0 && !model.dlab()) {
                        if (auto b = model.pop()) model.rbr = *b;
                        FUZZ_CHECK(bytes[i] == model.rbr, "RBR read {:#x}, expected {:#x}",
                                   bytes[i], model.rbr);
                    } else if (reg == 5) {
                        FUZZ_CHECK(bool(bytes[i] & 1) == (model.count != 0),
                                   "LSR.DR {:#x} with {} bytes", bytes[i], model.count);
                        FUZZ_CHECK((bytes[i] & 0x60) == 0x60, "LSR {:#x}: THRE/TEMT", bytes[i]);
                    } else if (reg == 3) {
                        FUZZ_CHECK(bytes[i] == model.lcr, "LCR read {:#x}", bytes[i]);
                    } else if (reg == 4) {
                        FUZZ_CHECK(bytes[i] == model.mcr, "MCR read {:#x}", bytes[i]);
                    }
                }
                break;
            }
            case 1: {
                const uint64_t offset = in.u8() % 10;
                const size_t n = kSizes[in.u8() % 4];
                const uint64_t value = in.u64();
                std::vector<uint8_t> bytes(n);
                for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
                uart.write(offset, bytes);
                for (size_t i = 0; i < n && offset + i < 8; ++i) {
                    const uint8_t v = bytes[i];
                    switch (offset + i) {
                        case 0:
                            if (model.dlab()) break;
                            if (model.mcr & 0x10)
                                model.push(v);
                            else
                                model.expected_output.push_back(v);
                            break;
                        case 2: {
                            const bool enable = v & 1;
                            if ((v & 2) || enable != model.fifo) model.clear();
                            model.fifo = enable;
                            break;
                        }
                        case 3:
                            model.lcr = v;
                            break;
                        case 4:
                            model.mcr = v & 0x1f;
                            break;
                    }
                }
                break;
            }
            case 2:
            case 4: {
                // Op 4 floods the buffer with up to a little more than it holds.
                static const std::vector<uint8_t> flood = [] {
                    std::vector<uint8_t> v(Uart16550::kReceiveCapacity + 64);
                    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i * 13);
                    return v;
                }();
                std::span<const uint8_t> bytes =
                    op == 2 ? in.sized_bytes()
                            : std::span(flood).first(in.u16() % (flood.size() + 1));
                size_t expected = 0;
                while (expected < bytes.size() && model.push(bytes[expected])) ++expected;
                const size_t accepted = uart.receive(bytes);
                FUZZ_CHECK(accepted == expected, "receive accepted {}, expected {}", accepted,
                           expected);
                break;
            }
            case 3: {
                auto byte = uart.take_received_byte();
                auto expected = model.pop();
                FUZZ_CHECK(byte == expected, "take_received_byte disagrees");
                break;
            }
            case 5: {
                const bool line = !edges.empty() && edges.back();
                uint8_t iir = 0;
                uart.read(2, std::span(&iir, 1));
                const bool pending = !(iir & 1);
                FUZZ_CHECK(line == (pending && (model.mcr & 0x08)),
                           "IRQ line {} but IIR {:#x} and MCR {:#x}", line, iir, model.mcr);
                break;
            }
        }
        FUZZ_CHECK(output == model.expected_output, "the sink got {} bytes, expected {}",
                   output.size(), model.expected_output.size());
    }
    return 0;
}
