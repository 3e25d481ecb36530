// The input family wired as Machine wires it: the i8042 at 0x60/0x64 with --stdin keyboard, and
// the CMOS/RTC at 0x70/0x71, driven port by port as a guest would.
#include <chrono>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "core/machine/pc/pc_layout.h"
#include "tests/unit/pc/pc_harness.h"

namespace svm::test {
namespace {

using Bytes = std::vector<uint8_t>;

MachineConfig keyboard_config() {
    MachineConfig c;
    c.stdin_keyboard = true;
    return c;
}

// Reads 0x60 while the status register says the output buffer is full (bounded).
Bytes drain(PcHarness& pc) {
    Bytes out;
    for (int i = 0; i < 1000 && (pc.inb(0x64) & 0x01); ++i) out.push_back(pc.inb(0x60));
    return out;
}

// Waits (bounded) for a byte as a polling driver does.
uint8_t read_byte(PcHarness& pc) {
    for (int i = 0; i < 1000; ++i)
        if (pc.inb(0x64) & 0x01) return pc.inb(0x60);
    ADD_FAILURE() << "no byte";
    return 0;
}

// The controller initialisation of the OSDev wiki's "8042 PS/2 Controller" page, step by step.
void osdev_init(PcHarness& pc) {
    pc.outb(0x64, 0xad);                    // disable port 1
    pc.outb(0x64, 0xa7);                    // disable port 2
    while (pc.inb(0x64) & 1) pc.inb(0x60);  // flush: must terminate
    pc.outb(0x64, 0x20);
    uint8_t config = read_byte(pc);
    pc.outb(0x64, 0x60);
    pc.outb(0x60, config & static_cast<uint8_t>(~0x03));  // no IRQs; keep translation
    pc.outb(0x64, 0xaa);
    EXPECT_EQ(read_byte(pc), 0x55);
    pc.outb(0x64, 0xab);
    EXPECT_EQ(read_byte(pc), 0x00);
    pc.outb(0x64, 0xae);  // enable port 1
    pc.outb(0x60, 0xff);  // reset the keyboard
    EXPECT_EQ(read_byte(pc), 0xfa);
    EXPECT_EQ(read_byte(pc), 0xaa);
}

TEST(InputWiring, RegistersPortsAndMachineTableEntries) {
    PcHarness pc;
    PcDevices out;
    ASSERT_TRUE(add_input_devices(pc.ctx(), out).has_value());
    EXPECT_TRUE(pc.claimed(0x60));
    EXPECT_TRUE(pc.claimed(0x64));
    EXPECT_FALSE(pc.claimed(0x61));  // port B belongs to KVM's PIT
    EXPECT_TRUE(pc.claimed(0x70));
    EXPECT_TRUE(pc.claimed(0x71));
    bool i8042 = false, rtc = false;
    for (const auto& e : pc.entries()) {
        if (e.type == SVM_DEV_I8042) {
            i8042 = true;
            EXPECT_EQ(e.io_base, 0x60);
            EXPECT_EQ(e.io_size, 5);
            EXPECT_EQ(e.irq, pc::kIrqKeyboard);
        }
        if (e.type == SVM_DEV_RTC) {
            rtc = true;
            EXPECT_EQ(e.io_base, 0x70);
            EXPECT_EQ(e.io_size, 2);
            EXPECT_EQ(e.irq, pc::kIrqRtc);
        }
    }
    EXPECT_TRUE(i8042);
    EXPECT_TRUE(rtc);
}

TEST(InputWiring, OsdevInitThenTypedKeysGiveSet1ScanCodes) {
    PcHarness pc(keyboard_config());
    PcDevices out;
    ASSERT_TRUE(add_input_devices(pc.ctx(), out).has_value());
    osdev_init(pc);
    pc.type("hi");
    EXPECT_EQ(drain(pc), (Bytes{0x23, 0xa3, 0x17, 0x97}));
}

TEST(InputWiring, StdinTypedBeforeInitIsDeliveredAfter) {
    PcHarness pc(keyboard_config());
    PcDevices out;
    ASSERT_TRUE(add_input_devices(pc.ctx(), out).has_value());
    pc.type("hiq");  // as `printf 'hiq' | svm --stdin keyboard`: all before the guest runs
    osdev_init(pc);
    EXPECT_EQ(drain(pc), (Bytes{0x23, 0xa3, 0x17, 0x97, 0x10, 0x90}));
}

TEST(InputWiring, KeyboardIrqReachesIsaLine1) {
    PcHarness pc(keyboard_config());
    PcDevices out;
    ASSERT_TRUE(add_input_devices(pc.ctx(), out).has_value());
    pc.type("a");  // the BIOS-style default config enables the port-1 interrupt
    EXPECT_TRUE(pc.irq_level(pc::kIrqKeyboard));
    EXPECT_EQ(pc.inb(0x60), 0x1e);
    EXPECT_EQ(pc.irq_raises(pc::kIrqKeyboard), 2);  // a new edge for the break code
    EXPECT_EQ(pc.inb(0x60), 0x9e);
    EXPECT_FALSE(pc.irq_level(pc::kIrqKeyboard));
}

TEST(InputWiring, WithoutStdinKeyboardStdinDoesNotReachTheKeyboard) {
    PcHarness pc;
    PcDevices out;
    ASSERT_TRUE(add_input_devices(pc.ctx(), out).has_value());
    pc.type("a");
    EXPECT_EQ(pc.inb(0x64) & 0x01, 0x00);
}

TEST(InputWiring, ResetCommandStopsTheRunWithTheResetOutcome) {
    PcHarness pc;
    PcDevices out;
    ASSERT_TRUE(add_input_devices(pc.ctx(), out).has_value());
    EXPECT_FALSE(pc.outcome().has_value());
    pc.outb(0x64, 0xfe);
    ASSERT_TRUE(pc.outcome().has_value());
    EXPECT_EQ(pc.outcome()->kind, RunOutcome::Kind::Reset);
    EXPECT_EQ(pc.outcome()->code, exit_code::kReset);
    EXPECT_EQ(pc.outcome()->summary, "guest requested a reset (i8042 command 0xFE)");
}

TEST(InputWiring, RtcShowsTheHostTimeInUtcAndMemorySize) {
    PcHarness pc(MachineConfig{}, 32ull << 20);
    PcDevices out;
    ASSERT_TRUE(add_input_devices(pc.ctx(), out).has_value());
    auto get = [&](uint8_t index) {
        pc.outb(0x70, index);
        return pc.inb(0x71);
    };
    auto bcd = [](uint8_t v) { return (v >> 4) * 10 + (v & 0x0f); };
    // Read as a guest would: a stable reading outside UIP (bounded retries), bracketed by two
    // readings of the host clock, which the RTC must lie between (no timing tolerance). The
    // clock is the RTC's own, CLOCK_REALTIME (system_clock), not time(2): glibc's time() reads
    // CLOCK_REALTIME_COARSE, which can still show the previous second for a few milliseconds
    // after the RTC has moved on (this test failed that way once under load).
    auto host_seconds = [] {
        return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
    };
    int64_t before = host_seconds();
    int64_t guest = 0;
    for (int attempt = 0; attempt < 5; ++attempt) {
        while (get(0x0a) & 0x80) {
        }
        struct tm tm {};
        tm.tm_sec = bcd(get(0x00));
        tm.tm_min = bcd(get(0x02));
        tm.tm_hour = bcd(get(0x04));
        tm.tm_mday = bcd(get(0x07));
        tm.tm_mon = bcd(get(0x08)) - 1;
        tm.tm_year = bcd(get(0x32)) * 100 + bcd(get(0x09)) - 1900;
        guest = static_cast<int64_t>(timegm(&tm));
        if (bcd(get(0x00)) == tm.tm_sec) break;
    }
    int64_t after = host_seconds();
    EXPECT_GE(guest, before);
    EXPECT_LE(guest, after);
    EXPECT_EQ(get(0x34) | (get(0x35) << 8), 16 * 16);  // 16 MiB above 16 MiB, in 64 KiB
}

TEST(InputWiring, RtcUpdateInterruptArrivesOnIrq8) {
    PcHarness pc;
    PcDevices out;
    ASSERT_TRUE(add_input_devices(pc.ctx(), out).has_value());
    pc.outb(0x70, 0x0c);
    pc.inb(0x71);
    pc.outb(0x70, 0x0b);
    pc.outb(0x71, 0x12);  // UIE: one interrupt per second from the timer thread
    // The timer thread raises IRQ 8 within about a second; wait at most 3 s (this bounds a hang,
    // it is not a timing assertion).
    for (int i = 0; i < 300 && !pc.irq_level(pc::kIrqRtc); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_TRUE(pc.irq_level(pc::kIrqRtc));
    pc.outb(0x70, 0x0c);
    EXPECT_EQ(pc.inb(0x71) & 0x90, 0x90);
    EXPECT_FALSE(pc.irq_level(pc::kIrqRtc));
}

TEST(InputWiring, HpetLegacyReplacementDisconnectsTheRtcFromIrq8) {
    PcHarness pc;
    PcDevices out;
    ASSERT_TRUE(add_platform_devices(pc.ctx(), out).has_value());
    ASSERT_TRUE(add_input_devices(pc.ctx(), out).has_value());
    pc.mmio_write(pc::kHpetBase + 0x10, 0x2, 4);  // LEG_RT_CNF (counter halted: timers silent)
    pc.outb(0x70, 0x0c);
    pc.inb(0x71);
    pc.outb(0x70, 0x0b);
    pc.outb(0x71, 0x12);  // UIE
    // Wait (bounded) until the RTC has flagged an update in status C; its IRQ 8 must stay low.
    bool updated = false;
    for (int i = 0; i < 300 && !updated; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        pc.outb(0x70, 0x0c);
        updated = (pc.inb(0x71) & 0x10) != 0;
    }
    EXPECT_TRUE(updated);
    EXPECT_EQ(pc.irq_raises(pc::kIrqRtc), 0);
}

}  // namespace
}  // namespace svm::test
