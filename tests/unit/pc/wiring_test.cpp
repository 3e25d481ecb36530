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
    // No two machine-table entries claim the same I/O port.
    std::vector<int> owner(65536, -1);
    for (size_t i = 0; i < pc.entries().size(); ++i) {
        const auto& e = pc.entries()[i];
        for (uint32_t p = e.io_base; p < uint32_t{e.io_base} + e.io_size; ++p) {
            EXPECT_EQ(owner[p], -1) << "port " << p << " listed twice";
            owner[p] = static_cast<int>(i);
        }
    }
}

}  // namespace svm::test
