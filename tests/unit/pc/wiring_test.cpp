// The PC device families wire into a machine without KVM (core/machine/device_context.h).
#include "tests/unit/pc/pc_harness.h"

namespace svm::test {

TEST(PcWiring, EveryFamilyWiresIntoOneContext) {
    PcHarness pc;
    PcDevices out;
    ASSERT_TRUE(add_platform_devices(pc.ctx(), out).has_value());
    ASSERT_TRUE(add_input_devices(pc.ctx(), out).has_value());
    ASSERT_TRUE(add_display(pc.ctx(), out).has_value());
    ASSERT_TRUE(add_compat_devices(pc.ctx(), out).has_value());
    // No two machine-table entries claim the same I/O port, except the one documented nesting:
    // the reset control register 0xCF9 (SVM_DEV_RESET) is a byte register inside the PCI
    // configuration range 0xCF8-0xCFF (SVM_DEV_PCI_HOST), as on Intel chipsets.
    std::vector<int> owner(65536, -1);
    for (size_t i = 0; i < pc.entries().size(); ++i) {
        const auto& e = pc.entries()[i];
        if (e.type == SVM_DEV_RESET && e.io_base == 0xcf9 && e.io_size == 1) {
            ASSERT_NE(owner[0xcf9], -1) << "0xCF9 listed without the PCI range around it";
            EXPECT_EQ(pc.entries()[static_cast<size_t>(owner[0xcf9])].type, SVM_DEV_PCI_HOST);
            continue;
        }
        for (uint32_t p = e.io_base; p < uint32_t{e.io_base} + e.io_size; ++p) {
            EXPECT_EQ(owner[p], -1) << "port " << p << " listed twice";
            owner[p] = static_cast<int>(i);
        }
    }
}

}  // namespace svm::test
