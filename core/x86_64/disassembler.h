// x86 disassembly (Zydis 4) for crash reports, the debugger's `monitor` commands and the hints
// svm prints when the host's KVM cannot emulate a guest instruction.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace svm {

struct Instruction {
    uint64_t address = 0;
    uint8_t length = 0;     // bytes; 1 for an undecodable byte
    std::string bytes_hex;  // "0f 0b"
    std::string text;       // Intel syntax, "ud2"; "(bad)" when !valid
    bool valid = false;
};

// Decodes up to `max_count` instructions from `code`, which lies at `address`, as 16-, 32- or
// 64-bit code (`bits`). Relative branch targets are printed as absolute addresses. An undecodable
// byte becomes one invalid Instruction of length 1 and decoding goes on at the next byte; an
// instruction cut off by the end of `code` is invalid too. Returns an empty vector if `bits` is not
// 16, 32 or 64.
std::vector<Instruction> disassemble(std::span<const uint8_t> code, uint64_t address, int bits,
                                     size_t max_count);

// Returns why this host's KVM may fail to emulate the instruction at the start of `insn_bytes`
// (decoded as `bits`-bit code), or an empty string if nothing about it is known to fail. On nested
// KVM-PVM hosts (see docs/crash-reports.md) kernel-mode code runs in KVM's instruction emulator,
// which rejects x87, SSE/AVX arithmetic, xsave/xgetbv, popcnt, cmpxchg16b, rdtscp, crc32, BMI and
// int n/int3/int1 (and iret in 32-bit code). On hardware KVM these instructions run natively.
std::string emulation_failure_hint(std::span<const uint8_t> insn_bytes, int bits);

}  // namespace svm
