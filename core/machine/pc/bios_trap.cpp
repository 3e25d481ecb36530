#include "core/machine/pc/bios_trap.h"

#include <cstring>

#include "core/loader/boot_sector.h"

namespace svm {

namespace {

constexpr uint64_t kRomSegmentBase = uint64_t{kBiosRomSegment} << 4;
constexpr uint64_t kRflagsCf = 1u << 0;
constexpr uint64_t kRflagsZf = 1u << 6;

bool is_irq_vector(uint8_t vector) {
    return vector == 0x08 || vector == 0x09;
}

}  // namespace

Result<BiosRomLayout> parse_bios_rom(std::span<const uint8_t> rom) {
    const uint64_t rom_start = kBiosRomBase - kRomSegmentBase;  // 0xE000
    if (rom.size() != kBiosRomSize || std::memcmp(rom.data(), "SVMBIOS1", 8) != 0)
        return error("svm's BIOS ROM image is malformed ({} bytes); svm was built wrongly",
                     rom.size());
    auto u16 = [&](size_t at) { return static_cast<uint16_t>(rom[at] | (rom[at + 1] << 8)); };
    BiosRomLayout l;
    l.entry = u16(8);
    l.boot_drive = u16(10);
    l.stubs = u16(12);
    l.stub_size = u16(14);
    const uint16_t count = u16(16);
    l.stub_continue = u16(18);
    l.stub_wait = u16(20);
    const uint16_t vectors = u16(22);
    l.default_iret = u16(24);
    l.default_irq_master = u16(26);
    l.default_irq_slave = u16(28);
    for (uint16_t offset : {l.entry, l.boot_drive, l.stubs, vectors, l.default_iret,
                            l.default_irq_master, l.default_irq_slave})
        if (offset < rom_start) return error("svm's BIOS ROM header is malformed");
    if (l.stub_size == 0 || l.stub_continue >= l.stub_size || l.stub_wait >= l.stub_size ||
        vectors + uint32_t{count} > 0x10000 || l.stubs + uint32_t{count} * l.stub_size > 0x10000)
        return error("svm's BIOS ROM header is malformed");
    for (uint16_t i = 0; i < count; ++i) l.vectors.push_back(rom[vectors - rom_start + i]);
    return l;
}

std::vector<uint8_t> build_bios_ivt(const BiosRomLayout& rom) {
    std::vector<uint8_t> ivt(256 * 4);
    auto set = [&](unsigned vector, uint16_t offset) {
        ivt[vector * 4 + 0] = static_cast<uint8_t>(offset);
        ivt[vector * 4 + 1] = static_cast<uint8_t>(offset >> 8);
        ivt[vector * 4 + 2] = static_cast<uint8_t>(kBiosRomSegment);
        ivt[vector * 4 + 3] = static_cast<uint8_t>(kBiosRomSegment >> 8);
    };
    for (unsigned v = 0; v < 256; ++v) {
        uint16_t handler = rom.default_iret;
        if (v >= 0x08 && v <= 0x0F) handler = rom.default_irq_master;
        if (v >= 0x70 && v <= 0x77) handler = rom.default_irq_slave;
        set(v, handler);
    }
    for (size_t i = 0; i < rom.vectors.size(); ++i)
        set(rom.vectors[i], static_cast<uint16_t>(rom.stubs + i * rom.stub_size));
    return ivt;
}

Result<BiosTrapResult> run_bios_trap(const BiosRomLayout& rom, CpuState& state, GuestMemory& memory,
                                     BiosContext& ctx) {
    if ((state.cr0 & x86::CR0_PE) || state.cs.selector != kBiosRomSegment)
        return error("the guest wrote it outside real mode or outside the BIOS ROM");
    // The vector from the stub's IP: KVM reports the `out` with IP at it (hardware's fast PIO
    // path) or already past it (the instruction emulator), both inside the same stub.
    const uint16_t ip = static_cast<uint16_t>(state.rip);
    const size_t index = ip >= rom.stubs ? (ip - rom.stubs) / rom.stub_size : SIZE_MAX;
    if (index >= rom.vectors.size())
        return error("the guest wrote it at F000:{:04X}, not in a BIOS stub", ip);
    const uint16_t stub = static_cast<uint16_t>(rom.stubs + index * rom.stub_size);
    BiosTrapResult result;
    result.vector = rom.vectors[index];
    // The frame the `int` (or the interrupt) pushed: IP, CS, FLAGS at SS:SP.
    const uint64_t frame = state.ss.base + (state.rsp & 0xFFFF);
    auto pushed_ip = memory.read_obj<uint16_t>(frame);
    auto pushed_cs = memory.read_obj<uint16_t>(frame + 2);
    auto pushed_flags = memory.read_obj<uint16_t>(frame + 4);
    if (!pushed_ip || !pushed_cs || !pushed_flags)
        return error("the interrupt frame at {:#x} is outside RAM", frame);
    const bool irq = is_irq_vector(result.vector);
    result.ah = static_cast<uint8_t>(state.rax >> 8);
    result.caller_cs = *pushed_cs;
    result.caller_ip = irq ? *pushed_ip : static_cast<uint16_t>(*pushed_ip - 2);

    // The caller's view: its CS:IP (the return address), FLAGS and SP before the `int`.
    CpuState regs = state;
    regs.rip = *pushed_ip;
    regs.cs.selector = *pushed_cs;
    regs.cs.base = uint64_t{*pushed_cs} << 4;
    regs.rflags = (state.rflags & ~uint64_t{0xFFFF}) | *pushed_flags;
    regs.rsp = (state.rsp & ~uint64_t{0xFFFF}) | ((state.rsp + 6) & 0xFFFF);
    result.outcome = bios_call(result.vector, regs, ctx);
    if (result.outcome == BiosOutcome::WaitForKey && result.vector != 0x16)
        result.outcome = BiosOutcome::Done;  // only the int 0x16 stub has a wait loop

    state.rax = regs.rax, state.rbx = regs.rbx, state.rcx = regs.rcx, state.rdx = regs.rdx;
    state.rsi = regs.rsi, state.rdi = regs.rdi, state.rbp = regs.rbp;
    for (auto [to, from] : {std::pair{&state.ds, &regs.ds}, std::pair{&state.es, &regs.es}}) {
        if (to->selector == from->selector) continue;
        to->selector = from->selector;
        to->base = uint64_t{from->selector} << 4;
        result.segments_changed = true;
    }
    state.rip =
        stub + (result.outcome == BiosOutcome::WaitForKey ? rom.stub_wait : rom.stub_continue);
    // CF and ZF into the FLAGS image the stub's `iret` pops, for the services; the IRQ handlers
    // must return the interrupted code's flags untouched.
    if (!irq) {
        const uint16_t flags = static_cast<uint16_t>((*pushed_flags & ~(kRflagsCf | kRflagsZf)) |
                                                     (regs.rflags & (kRflagsCf | kRflagsZf)));
        TRY(memory.write_obj<uint16_t>(frame + 4, flags));
    }
    return result;
}

}  // namespace svm
