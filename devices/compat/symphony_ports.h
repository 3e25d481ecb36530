// Hypervisor-Symphony's guest ports (github.com/Pranab239/Hypervisor-Symphony, part1b/simple-kvm.c
// and guest.c), registered at 0xE9 with length 7 under --compat symphony, where they replace svm's
// 0xE9 debug console. Register by register (offset = port - 0xE9):
//   0xE9 out  print the byte(s) written (HC_print8bit). `in` returns 0xE9, the Bochs convention
//             for "a debug console is here".
//   0xEA out  print the NUL-terminated string at the 32-bit guest-physical address written
//             (HC_printStr), read through the bounds-checked accessor, at most kMaxString bytes.
//   0xEB out  print the 32-bit value written in decimal and a newline (HC_print32bit, "%u\n").
//   0xEC in   the number of port I/O exits so far, this one included (HC_numExits).
//   0xED in   a guest-physical address where the string "IO in: N\nIO out: M\n" can be read,
//             NUL-terminated and truncated to 24 characters as Symphony's 25-byte snprintf does
//             (HC_numExitsByType). N counts `in` exits on ports 0xEC, 0xED and 0xEF, this one
//             included; M is every other port I/O exit. Symphony wrote the string into guest RAM
//             at an address taken from stale exit data; svm publishes it in a read-only window of
//             its own (publish_string) and never writes guest RAM.
//   0xEE out  translate the 32-bit guest-virtual address written through the vCPU's page tables
//             (HC_gvaToHva). On an address that does not translate, prints "Invalid GVA" as
//             Symphony does and the result is 0.
//   0xEF in   the result of the last translation: the guest-PHYSICAL address (Symphony returned a
//             host address; svm never reveals host addresses), low 32 bits.
// Reads of the output-only ports return 0; writes to the input-only ports are ignored.
// The device is registered for kDecodedPorts ports (0xE9-0xF2): a 32-bit `in`/`out` at 0xED, 0xEE
// or 0xEF spans up to port 0xF2, and a bus gives an access only to a range that holds all of it.
// Offsets 7-9 (ports 0xF0-0xF2, on their own) read as 0xFF, as absent ports do.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "devices/bus_device.h"

namespace svm {

class SymphonyPorts final : public BusDevice {
public:
    struct Deps {
        OutputSink console;
        // The bytes of guest-physical [gpa, gpa + max): as many as are RAM, up to the first NUL
        // (not included). Must never read outside RAM.
        std::function<std::string(uint64_t gpa, size_t max)> read_string;
        // Port I/O exits so far, the current one included.
        std::function<uint64_t()> io_exits;
        // Translates a guest-virtual address through the current vCPU's paging; nothing if
        // unmapped.
        std::function<std::optional<uint64_t>(uint64_t gva)> translate;
        // Makes `text` (NUL added) readable by the guest; returns its guest-physical address.
        std::function<uint32_t(const std::string& text)> publish_string;
    };

    static constexpr uint16_t kBasePort = 0xe9;
    static constexpr uint64_t kPortCount = 7;      // 0xE9-0xEF
    static constexpr uint64_t kDecodedPorts = 10;  // 0xE9-0xF2, see above
    static constexpr size_t kMaxString = 4096;

    explicit SymphonyPorts(Deps deps) : deps_(std::move(deps)) {}

    // ^BusDevice
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    void print(const std::string& text);

    Deps deps_;
    std::mutex mutex_;          // guards the fields below; never held while calling deps_
    uint64_t in_exits_ = 0;     // `in` exits on 0xEC/0xED/0xEF
    uint32_t translation_ = 0;  // result of the last 0xEE write
};

}  // namespace svm
