// --compat wiring (core/machine/pc/compat.cpp) on plain buses: which ports and windows each ABI
// claims, and what a guest sees without a vCPU behind the access (no current exit).
#include <gtest/gtest.h>

#include "core/machine/pc/pc_layout.h"
#include "tests/unit/pc/pc_harness.h"

namespace svm {
namespace {

MachineConfig with_compat(std::string compat) {
    MachineConfig config;
    config.compat = std::move(compat);
    return config;
}

TEST(CompatWiring, NoneByDefault) {
    test::PcHarness pc;
    PcDevices out;
    ASSERT_TRUE(add_compat_devices(pc.ctx(), out));
    EXPECT_FALSE(pc.claimed(0x500));
    EXPECT_FALSE(pc.claimed(0xec));
}

TEST(CompatWiring, MiniKvmClaimsPort500AndExitsWithZero) {
    test::PcHarness pc(with_compat("mini-kvm"));
    PcDevices out;
    ASSERT_TRUE(add_compat_devices(pc.ctx(), out));
    EXPECT_TRUE(pc.claimed(0x500));
    EXPECT_FALSE(pc.claimed(0x504));
    // GETCHAR with no vCPU and no input: the following `in` answers "nothing" (0xFF).
    pc.outb(0x500, 2);
    EXPECT_EQ(pc.inb(0x500), 0xff);
    EXPECT_EQ(pc.inb(0x500), 0x00);
    EXPECT_FALSE(pc.outcome());
    pc.outb(0x500, 0);
    auto outcome = pc.outcome();
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome->kind, RunOutcome::Kind::GuestExit);
    EXPECT_EQ(outcome->code, 0);
}

TEST(CompatWiring, SymphonyClaimsE9ToEfAndTheStringWindow) {
    test::PcHarness pc(with_compat("symphony"));
    PcDevices out;
    ASSERT_TRUE(add_compat_devices(pc.ctx(), out));
    for (uint16_t port = 0xe9; port <= 0xef; ++port) EXPECT_TRUE(pc.claimed(port)) << port;
    EXPECT_EQ(pc.inb(0xf0), 0xff);  // decoded for 32-bit accesses at 0xED-0xEF, but absent
    EXPECT_FALSE(pc.claimed(0xf4));
    // Strings are read from guest-physical RAM through the checked accessor.
    const char text[] = "from RAM\n";
    ASSERT_TRUE(
        pc.memory().write(0x2000, std::span(reinterpret_cast<const uint8_t*>(text), sizeof text)));
    pc.outl(0xea, 0x2000);
    pc.outb(0xe9, '!');
    pc.outl(0xeb, 7);
    pc.outl(0xea, 0xfffffff0);  // outside RAM: prints nothing
    pc.outl(0xee, 0x1000);      // no vCPU behind the access: no translation
    EXPECT_EQ(pc.inl(0xef), 0u);
    EXPECT_EQ(pc.console_text(), "from RAM\n!7\nInvalid GVA\n");
    // 0xED answers with the window's address; the window holds the string.
    EXPECT_EQ(pc.inl(0xed), pc::kCompatStringWindow);
    EXPECT_EQ(pc.mmio_read(pc::kCompatStringWindow, 4), 0x69204f49u);  // "IO i"
    EXPECT_EQ(pc.mmio_read(pc::kCompatStringWindow, 1), uint64_t{'I'});
}

TEST(CompatWiring, UnknownAbiIsAnError) {
    test::PcHarness pc(with_compat("qemu"));
    PcDevices out;
    auto r = add_compat_devices(pc.ctx(), out);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("mini-kvm or symphony"), std::string::npos);
}

}  // namespace
}  // namespace svm
