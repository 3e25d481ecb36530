// The page walker (used for gdb memory access and hypercall pointers) agrees with KVM's own walk
// (KVM_TRANSLATE) on the boot page tables svm builds: identity 2 MiB pages, a higher-half mapping
// in 4 KiB pages, and unmapped addresses.
#include <gtest/gtest.h>

#include "core/kvm/kvm.h"
#include "core/kvm/vcpu.h"
#include "core/loader/kernel_image.h"
#include "core/machine/boot_cpu.h"
#include "core/x86_64/boot_page_tables.h"
#include "core/x86_64/page_walker.h"
#include "svm_process.h"

namespace svm {
namespace {

TEST(PageWalkerVsKvm, SameTranslationsAsKvmTranslate) {
    test::require_kvm();
    if (::testing::Test::IsSkipped() || ::testing::Test::HasFailure()) return;
    auto memory = GuestMemory::create(64ull << 20).value();
    auto kvm = Kvm::open();
    ASSERT_TRUE(kvm) << kvm.error().message;
    ASSERT_TRUE((*kvm)->create_vm(memory));
    std::vector<VirtualMapping> mappings = {
        {0xffffffff80100000, 0x100000, 0x5000},    // higher half, 4 KiB pages
        {0xffff800000000000, 0x400000, 0x400000},  // 2 MiB pages
    };
    uint64_t cr3 = build_boot_page_tables(memory, mappings).value();
    ASSERT_TRUE(write_boot_gdt(memory));
    KernelImage image;
    image.mode = CpuMode::Long;
    image.entry = 0x100000;
    CpuState boot = boot_cpu_state(image, cr3);
    auto vcpu = Vcpu::create(**kvm, 0);
    ASSERT_TRUE(vcpu) << vcpu.error().message;
    auto r = (*vcpu)->run_on_thread([&](Vcpu& v) -> Result<void> {
        TRY(v.set_cpuid((*kvm)->supported_cpuid()));
        TRY(v.set_state(boot));
        const PagingRegs paging = PagingRegs::from(TRY(v.get_state()));
        int compared = 0;
        for (uint64_t va : {0x0ull, 0x1234ull, 0x200000ull, 0x3ffff123ull, 0xc0000000ull,
                            0xfee00000ull, 0xffffffff80100000ull, 0xffffffff80104fffull,
                            0xffff800000000000ull, 0xffff8000003fffffull}) {
            auto ours = translate(memory, paging, va);
            auto theirs = v.kvm_translate(va);
            EXPECT_TRUE(ours) << std::hex << va;
            EXPECT_TRUE(theirs) << std::hex << va;
            if (ours && theirs) {
                EXPECT_EQ(ours->gpa, *theirs) << std::hex << va;
            }
            ++compared;
        }
        for (uint64_t va : {0x100000000ull, 0xffffffff80105000ull, 0x00007fffffff0000ull}) {
            EXPECT_FALSE(translate(memory, paging, va)) << std::hex << va;
            EXPECT_FALSE(v.kvm_translate(va)) << std::hex << va;
        }
        EXPECT_EQ(compared, 10);
        return {};
    });
    EXPECT_TRUE(r) << r.error().message;
}

}  // namespace
}  // namespace svm
