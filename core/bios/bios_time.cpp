// int 0x08 (the timer interrupt's BIOS part) and int 0x1A (time of day and the RTC). Sources:
// Ralf Brown's Interrupt List, INT 08 and INT 1A; OSDev wiki "BIOS Data Area" (0x46C, 0x470),
// "Programmable Interval Timer" (1193182 Hz / 65536 = 18.2065 Hz) and "CMOS" (BCD fields).
//
// The tick count int 0x1A returns is derived from the time since boot, so it advances at
// 18.2065 Hz whether or not the guest takes timer interrupts (many boot sectors run with the PIT
// unprogrammed or interrupts off). Each read stores it in BDA 0x46C, so code that reads the BDA
// sees the same count; int 0x08 counts one tick on from there.
//
// Not provided (CF set): AH=0x03/0x05 (set RTC time/date: the RTC is the host's clock), the
// alarm (AH=0x06/0x07), and the PCI BIOS (AH=0xB1).
#include <algorithm>
#include <ctime>
#include <optional>

#include "core/bios/bios_data_area.h"
#include "core/bios/bios_registers.h"
#include "core/bios/bios_services.h"

namespace svm {

namespace {

using namespace bios;

constexpr uint32_t kTicksPerDay = 0x1800b0;  // what the IBM BIOS counts to before midnight

// Ticks of the 18.2065 Hz BIOS clock in `elapsed`: ns * 1193182 / (65536 * 10^9).
uint64_t ticks_in(std::chrono::steady_clock::duration elapsed) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
    if (ns <= 0) return 0;
    return static_cast<uint64_t>(static_cast<unsigned __int128>(ns) * 1193182 /
                                 (65536ull * 1000000000ull));
}

uint8_t bcd(int value) {
    return static_cast<uint8_t>((value / 10 % 10) << 4 | value % 10);
}

// The broken-down RTC time: the host's wall clock in UTC, or local time with rtc_localtime.
std::optional<std::tm> rtc_time(const BiosContext& ctx) {
    if (!ctx.wall_clock) return std::nullopt;
    std::time_t t = std::chrono::system_clock::to_time_t(ctx.wall_clock());
    std::tm tm{};
    if (!(ctx.rtc_localtime ? localtime_r(&t, &tm) : gmtime_r(&t, &tm))) return std::nullopt;
    return tm;
}

// AH=0x00: CX:DX = ticks since midnight, AL = 1 if midnight passed since the last read (then
// cleared).
BiosOutcome get_ticks(CpuState& regs, BiosContext& ctx) {
    GuestMemory& m = ctx.memory;
    bool midnight = bda::read8(m, bda::kMidnight) != 0;
    uint32_t ticks = bda::read32(m, bda::kTicks) % kTicksPerDay;
    if (ctx.since_boot) {
        int64_t total = static_cast<int64_t>(ticks_in(ctx.since_boot())) + ctx.tick_offset;
        auto t = static_cast<uint64_t>(std::max<int64_t>(total, 0));
        uint64_t day = t / kTicksPerDay;
        if (day > ctx.days_reported) midnight = true;
        ctx.days_reported = day;
        ticks = static_cast<uint32_t>(t % kTicksPerDay);
    }
    bda::write32(m, bda::kTicks, ticks);
    bda::write8(m, bda::kMidnight, 0);
    set_lo16(regs.rcx, static_cast<uint16_t>(ticks >> 16));
    set_lo16(regs.rdx, static_cast<uint16_t>(ticks));
    set_lo8(regs.rax, midnight ? 1 : 0);
    set_carry(regs, false);
    return BiosOutcome::Done;
}

// AH=0x01: CX:DX = the new tick count.
BiosOutcome set_ticks(CpuState& regs, BiosContext& ctx) {
    uint32_t ticks = (uint32_t{lo16(regs.rcx)} << 16 | lo16(regs.rdx)) % kTicksPerDay;
    if (ctx.since_boot)
        ctx.tick_offset = int64_t{ticks} - static_cast<int64_t>(ticks_in(ctx.since_boot()));
    ctx.days_reported = 0;
    bda::write32(ctx.memory, bda::kTicks, ticks);
    bda::write8(ctx.memory, bda::kMidnight, 0);
    set_carry(regs, false);
    return BiosOutcome::Done;
}

}  // namespace

// int 0x08: one tick on in BDA 0x46C; at 0x1800B0 ticks it restarts at 0 and sets the midnight
// flag 0x470. Ends with a non-specific EOI to the master PIC. (The ROM stub chains int 0x1C.)
BiosOutcome bios_timer_irq(CpuState& /*regs*/, BiosContext& ctx) {
    uint32_t ticks = bda::read32(ctx.memory, bda::kTicks) + 1;
    if (ticks >= kTicksPerDay) {
        ticks = 0;
        bda::write8(ctx.memory, bda::kMidnight, 1);
    }
    bda::write32(ctx.memory, bda::kTicks, ticks);
    if (ctx.outb) ctx.outb(0x20, 0x20);
    return BiosOutcome::Done;
}

BiosOutcome bios_time(CpuState& regs, BiosContext& ctx) {
    switch (hi8(regs.rax)) {
        case 0x00:
            return get_ticks(regs, ctx);
        case 0x01:
            return set_ticks(regs, ctx);
        case 0x02: {  // CH hours, CL minutes, DH seconds (BCD), DL 1 if daylight saving time
            auto tm = rtc_time(ctx);
            if (!tm) break;
            set_hi8(regs.rcx, bcd(tm->tm_hour));
            set_lo8(regs.rcx, bcd(tm->tm_min));
            set_hi8(regs.rdx, bcd(std::min(tm->tm_sec, 59)));
            set_lo8(regs.rdx, ctx.rtc_localtime && tm->tm_isdst > 0 ? 1 : 0);
            set_carry(regs, false);
            return BiosOutcome::Done;
        }
        case 0x04: {  // CH century, CL year, DH month, DL day (BCD)
            auto tm = rtc_time(ctx);
            if (!tm) break;
            int year = tm->tm_year + 1900;
            set_hi8(regs.rcx, bcd(year / 100));
            set_lo8(regs.rcx, bcd(year % 100));
            set_hi8(regs.rdx, bcd(tm->tm_mon + 1));
            set_lo8(regs.rdx, bcd(tm->tm_mday));
            set_carry(regs, false);
            return BiosOutcome::Done;
        }
        default:
            break;
    }
    fail(regs, 0x86);
    return BiosOutcome::Unsupported;
}

}  // namespace svm
