// int 0x15: the E820 walk against a given memory map, E801, AH=0x88, the A20 functions and the
// unsupported ones.
#include <gtest/gtest.h>
#include <svm/machine.h>

#include <vector>

#include "core/bios/bios_call.h"
#include "core/bios/bios_memory_map.h"

namespace svm {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

std::vector<svm_mem_range> sample_map() {
    return {
        {0x100000, 0x100000, SVM_MEM_KERNEL, 0},    // the loaded image: RAM to a BIOS
        {0, 0x9fc00, SVM_MEM_RAM, 0},               // unsorted on purpose
        {0x9fc00, 0x400, SVM_MEM_RESERVED, 0},      // EBDA
        {0xa0000, 0x60000, SVM_MEM_RESERVED, 0},    // legacy hole
        {0x200000, 62 * kMiB, SVM_MEM_RAM, 0},      // 2 MiB - 64 MiB
        {0x4000000, 0, SVM_MEM_RAM, 0},             // empty: dropped
        {0xfec00000, 0x1000, SVM_MEM_RESERVED, 0},  // I/O APIC
    };
}

TEST(BiosMemoryMap, ConvertsSortsAndMerges) {
    auto map = e820_map(sample_map());
    std::vector<E820Entry> expected = {
        {0, 0x9fc00, 1},
        {0x9fc00, 0x60400, 2},  // the EBDA and the hole touch: merged
        {0x100000, 63 * kMiB, 1},
        {0xfec00000, 0x1000, 2},
    };
    EXPECT_EQ(map, expected);
    EXPECT_EQ(contiguous_ram(map, kMiB, 16 * kMiB), 15 * kMiB);
    EXPECT_EQ(contiguous_ram(map, 16 * kMiB, UINT64_MAX), 48 * kMiB);
    EXPECT_EQ(contiguous_ram(map, 0xa0000, UINT64_MAX), 0u);
}

class BiosSystem : public ::testing::Test {
protected:
    BiosSystem() : memory_(GuestMemory::create(4 << 20).value()), ctx_{.memory = memory_} {
        ctx_.memory_map = [this] { return map_; };
    }
    BiosOutcome call(uint32_t eax, uint32_t ebx = 0, uint32_t ecx = 0, uint32_t edx = 0) {
        regs_.rax = eax;
        regs_.rbx = ebx;
        regs_.rcx = ecx;
        regs_.rdx = edx;
        regs_.rflags = 0x2;
        return bios_call(0x15, regs_, ctx_);
    }
    bool cf() const { return regs_.rflags & 1; }
    uint8_t ah() const { return static_cast<uint8_t>(regs_.rax >> 8); }

    std::vector<svm_mem_range> map_ = sample_map();
    GuestMemory memory_;
    BiosContext ctx_;
    CpuState regs_;
};

TEST_F(BiosSystem, E820Walk) {
    regs_.es.selector = 0x0050;
    regs_.rdi = 0x0010;  // 0050:0010 = 0x510
    std::vector<E820Entry> seen;
    uint32_t ebx = 0;
    std::vector<uint32_t> continuations;
    do {
        ASSERT_EQ(call(0xe820, ebx, 20, 0x534d4150), BiosOutcome::Done);
        ASSERT_FALSE(cf());
        EXPECT_EQ(regs_.rax & 0xffffffff, 0x534d4150u);
        EXPECT_EQ(regs_.rcx & 0xffffffff, 20u);
        seen.push_back({memory_.read_obj<uint64_t>(0x510).value(),
                        memory_.read_obj<uint64_t>(0x518).value(),
                        memory_.read_obj<uint32_t>(0x520).value()});
        ebx = static_cast<uint32_t>(regs_.rbx);
        continuations.push_back(ebx);
    } while (ebx != 0 && seen.size() < 10);
    EXPECT_EQ(seen, e820_map(sample_map()));
    EXPECT_EQ(continuations, (std::vector<uint32_t>{1, 2, 3, 0}));
    // Past the end: CF set, but the function exists.
    EXPECT_EQ(call(0xe820, 4, 20, 0x534d4150), BiosOutcome::Done);
    EXPECT_TRUE(cf());
}

TEST_F(BiosSystem, E820ExtendedAttributes) {
    regs_.es.selector = 0;
    regs_.rdi = 0x600;
    ASSERT_TRUE(memory_.write_obj<uint32_t>(0x614, 0xdeadbeef));
    call(0xe820, 2, 24, 0x534d4150);
    EXPECT_FALSE(cf());
    EXPECT_EQ(regs_.rcx & 0xffffffff, 24u);
    EXPECT_EQ(memory_.read_obj<uint64_t>(0x600).value(), 0x100000u);
    EXPECT_EQ(memory_.read_obj<uint32_t>(0x614).value(), 1u);  // ACPI 3.0: enabled
    EXPECT_EQ(regs_.rbx & 0xffffffff, 3u);
    // Upper halves of the 32-bit registers are kept.
    regs_.es.selector = 0;
    regs_.rdi = 0x600;
    regs_.rax = 0xffffffff0000e820ull;
    regs_.rbx = 0;
    regs_.rcx = 20;
    regs_.rdx = 0x534d4150;
    bios_call(0x15, regs_, ctx_);
    EXPECT_EQ(regs_.rax, 0xffffffff534d4150ull);
}

TEST_F(BiosSystem, E820BadCalls) {
    call(0xe820, 0, 20, 0x12345678);  // EDX is not 'SMAP'
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x86);
    call(0xe820, 0, 16, 0x534d4150);  // buffer too small
    EXPECT_TRUE(cf());
    regs_.es.selector = 0xffff;
    regs_.rdi = 0xfff0;
    memory_ = GuestMemory::create(1 << 20).value();  // ES:DI 0x10FFE0 is past RAM
    call(0xe820, 0, 20, 0x534d4150);
    EXPECT_TRUE(cf());
}

TEST_F(BiosSystem, E801And88) {
    call(0xe801);
    EXPECT_FALSE(cf());
    EXPECT_EQ(regs_.rax & 0xffff, 15u * 1024);  // 1-16 MiB all RAM
    EXPECT_EQ(regs_.rcx & 0xffff, 15u * 1024);
    EXPECT_EQ(regs_.rbx & 0xffff, 48u * 16);  // 48 MiB in 64 KiB blocks
    EXPECT_EQ(regs_.rdx & 0xffff, 48u * 16);
    call(0x8800);
    EXPECT_FALSE(cf());
    EXPECT_EQ(regs_.rax & 0xffff, 63u * 1024);               // KiB from 1 MiB to 64 MiB
    map_.push_back({0x4000000, 64 * kMiB, SVM_MEM_RAM, 0});  // RAM up to 128 MiB
    call(0x8800);
    EXPECT_EQ(regs_.rax & 0xffff, 0xffffu);  // capped
    call(0xe801);
    EXPECT_EQ(regs_.rbx & 0xffff, 112u * 16);
}

TEST_F(BiosSystem, A20) {
    uint8_t port92 = 0x00;
    ctx_.inb = [&](uint16_t port) { return port == 0x92 ? port92 : uint8_t{0xff}; };
    ctx_.outb = [&](uint16_t port, uint8_t v) {
        if (port == 0x92) port92 = v;
    };
    call(0x2401);
    EXPECT_FALSE(cf());
    EXPECT_EQ(ah(), 0);
    EXPECT_EQ(port92, 0x02);
    call(0x2402);
    EXPECT_FALSE(cf());
    EXPECT_EQ(regs_.rax & 0xff, 1u);
    call(0x2403);
    EXPECT_FALSE(cf());
    EXPECT_EQ(regs_.rbx & 0xffff, 0x0002u);
    EXPECT_EQ(call(0x2400), BiosOutcome::Unsupported);  // A20 cannot be disabled under KVM
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x86);
}

TEST_F(BiosSystem, WaitReturnsAtOnce) {
    EXPECT_EQ(call(0x8600, 0, 0x000f, 0x4240), BiosOutcome::Done);
    EXPECT_FALSE(cf());
}

TEST_F(BiosSystem, Unsupported) {
    for (uint32_t ax : {0x8700u, 0x8900u, 0xc000u, 0x5300u, 0xc200u}) {
        EXPECT_EQ(call(ax), BiosOutcome::Unsupported) << std::hex << ax;
        EXPECT_TRUE(cf());
        EXPECT_EQ(ah(), 0x86);
    }
    ctx_.memory_map = nullptr;
    EXPECT_EQ(call(0xe820, 0, 20, 0x534d4150), BiosOutcome::Unsupported);
}

}  // namespace
}  // namespace svm
