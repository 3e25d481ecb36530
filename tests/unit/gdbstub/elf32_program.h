// data/frames32.c as a stopped 32-bit CPU for tests that run the real gdb against the fake
// target: the program's code copied into the fake's memory and the stack that
// _start -> middle -> leaf built, stopped in leaf() after its prologue.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fake_target.h"

namespace svm::gdb::testing {

// What a test needs of an ELF32 executable: its loadable bytes by address and its symbols.
struct Elf32Program {
    std::map<uint32_t, std::vector<uint8_t>> segments;  // p_vaddr -> file bytes
    std::map<std::string, uint32_t> symbols;            // st_name -> st_value

    // Reads the program headers (PT_LOAD) and the symbol table (SHT_SYMTAB) of the System V
    // gABI "ELF Header" layout for ELFCLASS32, little-endian. Returns nothing for another file.
    static std::optional<Elf32Program> read(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        std::vector<uint8_t> f((std::istreambuf_iterator<char>(in)), {});
        const uint8_t magic[] = {0x7f, 'E', 'L', 'F', 1};  // ELFMAG, then ELFCLASS32
        if (f.size() < 52 || std::memcmp(f.data(), magic, sizeof magic) != 0) return std::nullopt;
        auto u16 = [&](size_t at) { return uint32_t(f.at(at) | f.at(at + 1) << 8); };
        auto u32 = [&](size_t at) { return u16(at) | u16(at + 2) << 16; };
        Elf32Program program;
        for (uint32_t i = 0, ph = u32(28); i < u16(44); ++i, ph += u16(42)) {
            if (u32(ph) != 1) continue;  // PT_LOAD
            auto begin = f.begin() + u32(ph + 4);
            program.segments[u32(ph + 8)].assign(begin, begin + u32(ph + 16));
        }
        for (uint32_t i = 0, sh = u32(32); i < u16(48); ++i, sh += u16(46)) {
            if (u32(sh + 4) != 2) continue;  // SHT_SYMTAB
            uint32_t strtab = u32(32) + u32(sh + 24) * u16(46);
            for (uint32_t s = u32(sh + 16); s < u32(sh + 16) + u32(sh + 20); s += 16) {
                const char* name = reinterpret_cast<const char*>(&f.at(u32(strtab + 16) + u32(s)));
                program.symbols[name] = u32(s + 4);
            }
        }
        return program;
    }

    // The address after the first `call rel32` to `callee` in the function at `caller`, or 0.
    uint32_t return_address(uint32_t caller, uint32_t callee) const {
        for (auto& [base, bytes] : segments) {
            for (uint32_t at = caller - base; at + 5 <= bytes.size() && at < caller - base + 64;
                 ++at) {
                uint32_t rel = bytes[at + 1] | bytes[at + 2] << 8 | bytes[at + 3] << 16 |
                               uint32_t(bytes[at + 4]) << 24;
                if (bytes[at] == 0xe8 && base + at + 5 + rel == callee) return base + at + 5;
            }
        }
        return 0;
    }
};

// Where load_frames32 left the CPU.
struct Frames32State {
    uint32_t pc = 0;          // in leaf(), after its `push ebp; mov ebp, esp`
    uint32_t ret_middle = 0;  // leaf's return address, in middle()
    uint32_t ret_start = 0;   // middle's return address, in _start()
};

// Puts `program` (data/frames32.c, linked at 0x1100) into `target` as a CPU in 32-bit protected
// mode stopped in leaf(42) called from middle(41) called from _start: the code below the stack
// is copied into the fake's memory (0x1000-0x1fff), the three frames are built by hand
// (_start's at 0x1efc, middle's at 0x1ef0, leaf's at 0x1ee4), and both threads get eip, esp and
// ebp for leaf, eax = 42 with a non-zero upper half in rax. Returns nothing if a symbol or call
// is missing. 0x1000-0x10ff keeps the fake's pattern (efbeadde78563412...).
inline std::optional<Frames32State> load_frames32(const Elf32Program& program, FakeTarget& target) {
    using namespace x86_64;
    auto& mem = target.memory;
    for (auto& [base, bytes] : program.segments) {
        for (uint32_t a = std::max<uint32_t>(base, 0x1100); a < base + bytes.size() && a < 0x1e00;
             ++a)
            mem[a - FakeTarget::kMemoryBase] = bytes[a - base];
    }
    auto symbol = [&](const char* name) {
        auto it = program.symbols.find(name);
        return it == program.symbols.end() ? 0u : it->second;
    };
    const uint32_t leaf = symbol("leaf"), middle = symbol("middle"), start = symbol("_start");
    if (!leaf || !middle || !start) return std::nullopt;
    Frames32State state;
    state.ret_middle = program.return_address(middle, leaf);
    state.ret_start = program.return_address(start, middle);
    if (!state.ret_middle || !state.ret_start) return std::nullopt;
    auto put = [&](uint32_t addr, uint32_t value) {
        for (int i = 0; i < 4; ++i)
            mem[addr - FakeTarget::kMemoryBase + i] = uint8_t(value >> (8 * i));
    };
    put(0x1efc, 0), put(0x1f00, 0);
    put(0x1ef8, 41), put(0x1ef4, state.ret_start), put(0x1ef0, 0x1efc);
    put(0x1eec, 42), put(0x1ee8, state.ret_middle), put(0x1ee4, 0x1ef0);
    state.pc = leaf + 3;
    for (ThreadId t : {1, 2}) {
        auto& r = target.regs[t];
        r.set(Cr0, 0x11), r.set(Efer, 0);  // 32-bit protected mode
        r.set(Rip, state.pc), r.set(Rsp, 0x1ee4), r.set(Rbp, 0x1ee4);
        r.set(Rax, 0xaaaaaaaa00000000 | 42);
    }
    return state;
}

}  // namespace svm::gdb::testing
