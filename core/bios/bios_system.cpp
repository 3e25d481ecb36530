// int 0x15, the system services a boot sector uses: the memory map (AX=0xE820, AX=0xE801,
// AH=0x88), the A20 gate (AX=0x2400-0x2403), wait (AH=0x86). Sources: Ralf Brown's Interrupt
// List, INT 15; OSDev wiki "Detecting Memory (x86)" and "A20 Line"; ACPI 6.5, 15.1.
//
// Not provided (CF set, AH = 0x86 "function not supported"): AH=0x87 (copy extended memory),
// AH=0x89 (switch to protected mode), AH=0xC0 (system configuration table), APM, the PS/2
// mouse, and everything else.
#include "core/bios/bios_memory_map.h"
#include "core/bios/bios_registers.h"
#include "core/bios/bios_services.h"
#include "core/machine/pc/pc_layout.h"

namespace svm {

namespace {

using namespace bios;

constexpr uint8_t kNotSupported = 0x86;
constexpr uint32_t kSmap = 0x534d4150;  // 'SMAP'
constexpr uint64_t kMiB = 1ull << 20;

BiosOutcome unsupported(CpuState& regs) {
    fail(regs, kNotSupported);
    return BiosOutcome::Unsupported;
}

// AX=0xE820: EDX = 'SMAP', EBX = continuation (0 first; here the index of the entry), ECX = the
// buffer's size (at least 20), ES:DI = the buffer. Returns EAX = 'SMAP', ECX = 20 (24 with the
// ACPI 3.0 extended attributes dword, bit 0 "enabled", when the caller offered 24 or more),
// EBX = the next continuation or 0 after the last entry. CF set for a bad call or an EBX past
// the end (the "end of the list" some BIOSes report instead of EBX = 0).
BiosOutcome e820(CpuState& regs, BiosContext& ctx) {
    if (!ctx.memory_map) return unsupported(regs);
    // A bad call or the end of the list is the caller's business, not a missing function:
    // CF set, AH = 0x86, and the service counts as done.
    auto bad_call = [&] {
        fail(regs, kNotSupported);
        return BiosOutcome::Done;
    };
    if (lo32(regs.rdx) != kSmap || lo32(regs.rcx) < 20) return bad_call();
    auto map = e820_map(ctx.memory_map());
    uint32_t index = lo32(regs.rbx);
    if (index >= map.size()) return bad_call();
    const E820Entry& e = map[index];
    uint8_t entry[24] = {};
    auto put = [&](int at, uint64_t v, int bytes) {
        for (int i = 0; i < bytes; ++i) entry[at + i] = static_cast<uint8_t>(v >> (8 * i));
    };
    put(0, e.base, 8);
    put(8, e.length, 8);
    put(16, e.type, 4);
    put(20, 1, 4);
    uint32_t size = lo32(regs.rcx) >= 24 ? 24 : 20;
    if (!ctx.memory.write(real_address(regs.es, lo16(regs.rdi)), std::span(entry, size)))
        return bad_call();
    set_lo32(regs.rax, kSmap);
    set_lo32(regs.rcx, size);
    set_lo32(regs.rbx, index + 1 < map.size() ? index + 1 : 0);
    set_carry(regs, false);
    return BiosOutcome::Done;
}

// AX=0xE801: AX = CX = KiB of RAM from 1 MiB to 16 MiB (at most 15 MiB), BX = DX = 64 KiB
// blocks of RAM from 16 MiB up to 4 GiB (each a contiguous run, as the BIOSes count them).
BiosOutcome e801(CpuState& regs, BiosContext& ctx) {
    if (!ctx.memory_map) return unsupported(regs);
    auto map = e820_map(ctx.memory_map());
    auto low = static_cast<uint16_t>(contiguous_ram(map, kMiB, 16 * kMiB) / 1024);
    auto high = static_cast<uint16_t>(
        std::min<uint64_t>(contiguous_ram(map, 16 * kMiB, 4096 * kMiB) / (64 * 1024), 0xffff));
    set_lo16(regs.rax, low);
    set_lo16(regs.rcx, low);
    set_lo16(regs.rbx, high);
    set_lo16(regs.rdx, high);
    set_carry(regs, false);
    return BiosOutcome::Done;
}

// AX=0x2400-0x2403. svm's A20 line is always enabled: KVM has no A20 gate, so addresses never
// wrap at 1 MiB. Enabling succeeds (and sets port 0x92 bit 1, as the guest would), disabling
// fails with AH = 0x86, the status reads "enabled", and the support query reports port 0x92.
BiosOutcome a20(CpuState& regs, BiosContext& ctx) {
    switch (lo8(regs.rax)) {
        case 0x00:
            return unsupported(regs);
        case 0x01:
            if (ctx.inb && ctx.outb)
                ctx.outb(pc::kPort92, static_cast<uint8_t>((ctx.inb(pc::kPort92) | 0x02) & ~0x01));
            succeed(regs);
            return BiosOutcome::Done;
        case 0x02:
            succeed(regs);
            set_lo8(regs.rax, 1);
            return BiosOutcome::Done;
        case 0x03:
            succeed(regs);
            set_lo16(regs.rbx, 0x0002);  // bit 1: fast A20 through port 0x92
            return BiosOutcome::Done;
        default:
            return unsupported(regs);
    }
}

}  // namespace

BiosOutcome bios_system(CpuState& regs, BiosContext& ctx) {
    uint16_t ax = lo16(regs.rax);
    if (ax == 0xe820) return e820(regs, ctx);
    if (ax == 0xe801) return e801(regs, ctx);
    switch (hi8(regs.rax)) {
        case 0x24:
            return a20(regs, ctx);
        case 0x86:  // wait CX:DX microseconds: returns at once (svm does not stall the vCPU)
            set_carry(regs, false);
            return BiosOutcome::Done;
        case 0x88: {  // AX = KiB of contiguous RAM from 1 MiB, at most 0xFFFF
            if (!ctx.memory_map) return unsupported(regs);
            auto map = e820_map(ctx.memory_map());
            uint64_t kib = contiguous_ram(map, kMiB, UINT64_MAX) / 1024;
            set_lo16(regs.rax, static_cast<uint16_t>(std::min<uint64_t>(kib, 0xffff)));
            set_carry(regs, false);
            return BiosOutcome::Done;
        }
        default:
            return unsupported(regs);
    }
}

}  // namespace svm
