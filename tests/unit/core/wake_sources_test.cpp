#include "core/machine/wake_sources.h"

#include <gtest/gtest.h>

namespace svm {
namespace {

// A machine after KVM's reset with everything masked: the PICs masked by the guest, the I/O APIC
// as reset (every pin masked), the LAPIC timer masked, PIT never programmed, COM1 on IRQ 4.
WakeSnapshot quiet(int cpus = 1) {
    WakeSnapshot s;
    for (int i = 0; i < cpus; ++i) {
        LapicWakeState apic;
        apic.lvt_lint0 = 0x700;  // BSP after reset: LINT0 unmasked ExtINT
        s.lapics.push_back(apic);
    }
    s.controllers.pic_master_imr = 0xff;
    s.controllers.pic_slave_imr = 0xff;
    s.controllers.ioapic_masked.fill(true);
    s.device_irqs = {0, 4, 8};
    return s;
}

TEST(WakeSources, NothingArmedMeansNothingCanWake) {
    auto why = why_nothing_can_wake(quiet(2));
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("LAPIC timer"), std::string::npos) << *why;
    EXPECT_NE(why->find("PIT channel 0 is not counting"), std::string::npos) << *why;
    EXPECT_NE(why->find("IRQ 0, 4, 8"), std::string::npos) << *why;
}

TEST(WakeSources, LapicTimerModes) {
    auto s = quiet();
    s.lapics[0].lvt_timer = 0x20030;  // periodic, unmasked, vector 0x30
    s.lapics[0].initial_count = 1000;
    EXPECT_FALSE(why_nothing_can_wake(s));
    s.lapics[0].initial_count = 0;  // periodic with 0: stopped
    EXPECT_TRUE(why_nothing_can_wake(s));
    s.lapics[0].lvt_timer = 0x30;  // one-shot
    s.lapics[0].initial_count = 1000;
    s.lapics[0].current_count = 0;  // already fired
    EXPECT_TRUE(why_nothing_can_wake(s));
    s.lapics[0].current_count = 5;  // still counting
    EXPECT_FALSE(why_nothing_can_wake(s));
    s.lapics[0].lvt_timer = 0x40030;  // TSC-deadline: deadline unknown, in doubt
    EXPECT_FALSE(why_nothing_can_wake(s));
    s.lapics[0].lvt_timer = 0x50030;  // TSC-deadline but masked
    EXPECT_TRUE(why_nothing_can_wake(s));
}

TEST(WakeSources, AnyVcpuTimerIsEnough) {
    auto s = quiet(3);
    s.lapics[2].lvt_timer = 0x20030;
    s.lapics[2].initial_count = 1;
    EXPECT_FALSE(why_nothing_can_wake(s));
}

TEST(WakeSources, PendingInterruptMayWake) {
    auto s = quiet();
    s.lapics[0].irr_pending = true;
    EXPECT_FALSE(why_nothing_can_wake(s));
}

TEST(WakeSources, PitNeedsIrq0AtThePicOrIoapic) {
    auto s = quiet();
    s.device_irqs = {4};
    s.pit.mode = 2;  // rate generator, counting
    auto why = why_nothing_can_wake(s);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("IRQ 0 is masked"), std::string::npos) << *why;
    s.controllers.pic_master_imr = 0xfe;  // IRQ 0 unmasked at the PIC
    EXPECT_FALSE(why_nothing_can_wake(s));
    s.controllers.pic_master_imr = 0xff;
    s.controllers.ioapic_masked[2] = false;  // ISA IRQ 0 is GSI 2
    EXPECT_FALSE(why_nothing_can_wake(s));
    s.controllers.ioapic_masked[2] = true;
    s.controllers.ioapic_masked[0] = false;
    EXPECT_FALSE(why_nothing_can_wake(s));
    s.controllers.ioapic_masked[0] = true;
    s.pit.mode = 5;  // hardware-triggered strobe: channel 0's gate never rises
    EXPECT_TRUE(why_nothing_can_wake(s));
}

TEST(WakeSources, PicLinesNeedAnApicThatTakesExtInt) {
    auto s = quiet();
    s.controllers.pic_master_imr = 0xef;  // IRQ 4 (COM1) unmasked at the PIC
    EXPECT_FALSE(why_nothing_can_wake(s));
    s.lapics[0].lvt_lint0 = 0x10700;  // LINT0 masked: the PIC cannot interrupt this CPU
    EXPECT_TRUE(why_nothing_can_wake(s));
    s.lapics[0].hw_enabled = false;  // a disabled APIC passes INTR straight through
    EXPECT_FALSE(why_nothing_can_wake(s));
}

TEST(WakeSources, SlaveLinesNeedTheCascade) {
    auto s = quiet();
    s.controllers.pic_slave_imr = 0xfe;    // IRQ 8 unmasked at the slave
    EXPECT_TRUE(why_nothing_can_wake(s));  // cascade (IRQ 2) still masked at the master
    s.controllers.pic_master_imr = 0xfb;
    EXPECT_FALSE(why_nothing_can_wake(s));
}

TEST(WakeSources, IoapicPinsOfDevicesAndHighPins) {
    auto s = quiet();
    s.controllers.ioapic_masked[4] = false;
    EXPECT_FALSE(why_nothing_can_wake(s));
    s.controllers.ioapic_masked[4] = true;
    s.controllers.ioapic_masked[5] = false;  // no device on pin 5
    EXPECT_TRUE(why_nothing_can_wake(s));
    s.controllers.ioapic_masked[20] = false;  // pins 16-23: PCI/HPET, in doubt
    EXPECT_FALSE(why_nothing_can_wake(s));
}

TEST(WakeSources, DefaultPicStateKeepsRunning) {
    // KVM resets the PICs with IMR = 0: a device line reaches the BSP, so svm keeps running.
    auto s = quiet();
    s.controllers.pic_master_imr = 0;
    s.controllers.pic_slave_imr = 0;
    EXPECT_FALSE(why_nothing_can_wake(s));
}

}  // namespace
}  // namespace svm
