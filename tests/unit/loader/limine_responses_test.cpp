// The Limine responses feature by feature, and what svm promises around them: the base revision
// handshake, the higher half direct map of each base revision (checked in the boot page tables
// svm builds, walked as the CPU would), the memory map, the framebuffer, the MP information and
// parked processors, the stacks and the small features. PROTOCOL.md section names are cited.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "core/loader/kernel_image.h"
#include "core/loader/limine_loader.h"
#include "core/loader/memory_map.h"
#include "limine_test_fixture.h"
#include "test_images.h"

namespace svm {
namespace {

using namespace test;

using LimineResponsesTest = LimineTest;

// ---- "Base Revisions" ----

TEST_F(LimineResponsesTest, BaseRevisionsZeroToSixAreAcknowledged) {
    for (uint64_t revision = 0; revision <= 6; ++revision) {
        SCOPED_TRACE(revision);
        auto image = load(executable(revision, std::vector<Id>{}));
        ASSERT_TRUE(image) << image.error().message;
        uint64_t tag = phys(*image, kLimineBase + 0x1000);
        EXPECT_EQ(u64(tag), kRevisionMagic0);
        EXPECT_EQ(u64(tag + 8), revision);  // LIMINE_LOADED_BASE_REVISION
        EXPECT_EQ(u64(tag + 16), 0u);       // LIMINE_BASE_REVISION_SUPPORTED
        EXPECT_EQ(image->limine->base_revision, revision);
    }
}

TEST_F(LimineResponsesTest, NoTagMeansBaseRevisionZero) {
    auto image = load(executable(std::nullopt, {kHhdmReq}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->limine->base_revision, 0u);
    ASSERT_EQ(image->limine->hhdm.size(), 1u);
    EXPECT_EQ(image->limine->hhdm[0].size, 1ull << 32);
}

TEST_F(LimineResponsesTest, BaseRevisionAboveSixIsRefusedWithAClearMessage) {
    for (uint64_t revision : {7ull, 0x1000ull}) {
        auto image = load(executable(revision, std::vector<Id>{}));
        ASSERT_FALSE(image);
        EXPECT_CONTAINS(image.error().message,
                        "the executable asks for Limine base revision " + std::to_string(revision));
        EXPECT_CONTAINS(image.error().message, "svm implements base revisions 0 to 6");
    }
}

// ---- "Memory Layout at Entry": limine_hhdm_mappings on a synthetic map ----

class LimineHhdmTest : public ::testing::Test {
protected:
    static constexpr uint64_t k4G = 1ull << 32;
    // Every type, a region not page-aligned at its end, and regions above 4 GiB.
    std::vector<svm_limine_memmap_entry> map_ = {
        {0x0, 0x1000, kReserved},
        {0x1000, 0x9EC00, kUsable},  // ends at 0x9FC00: widened to 0xA0000
        {0x9FC00, 0x60400, kReserved},
        {0x100000, 0x100000, kAcpiReclaimable},
        {0x200000, 0x200000, kExecutable},
        {0x400000, 0x1000, kReservedMapped},
        {0x401000, 0x1000, kAcpiNvs},
        {0x402000, 0x1000, kBadMemory},
        {0x403000, 0x1000, kReclaimable},
        {0xFD000000, 0x300000, kFramebufferType},
        {k4G, 0x100000, kUsable},
        {k4G + 0x100000, 0x1000, kReserved},
        {k4G + 0x101000, 0x1000, kAcpiReclaimable},
        {k4G + 0x102000, 0x1000, kBadMemory},
    };
    static VirtualMapping direct(uint64_t paddr, uint64_t size) {
        return VirtualMapping{kHhdm + paddr, paddr, size};
    }
    static void expect_mappings(const std::vector<VirtualMapping>& got,
                                const std::vector<VirtualMapping>& want) {
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i) {
            SCOPED_TRACE(i);
            EXPECT_EQ(got[i].vaddr, want[i].vaddr);
            EXPECT_EQ(got[i].paddr, want[i].paddr);
            EXPECT_EQ(got[i].size, want[i].size);
        }
    }
};

TEST_F(LimineHhdmTest, RevisionZeroMapsFourGiBAndEveryRegionAbove) {
    expect_mappings(limine_hhdm_mappings(map_, 0), {direct(0, k4G + 0x103000)});
}

TEST_F(LimineHhdmTest, RevisionsOneAndTwoLeaveOutReservedAndBadAboveFourGiB) {
    for (uint64_t revision : {1, 2}) {
        SCOPED_TRACE(revision);
        expect_mappings(limine_hhdm_mappings(map_, revision),
                        {direct(0, k4G + 0x100000), direct(k4G + 0x101000, 0x1000)});
    }
}

TEST_F(LimineHhdmTest, RevisionThreeMapsOnlyUsableReclaimableExecutableAndFramebuffer) {
    expect_mappings(limine_hhdm_mappings(map_, 3),
                    {direct(0x1000, 0x9F000), direct(0x200000, 0x200000), direct(0x403000, 0x1000),
                     direct(0xFD000000, 0x300000), direct(k4G, 0x100000)});
}

TEST_F(LimineHhdmTest, RevisionFourOnAlsoMapsReservedMappedAndAcpi) {
    for (uint64_t revision : {4, 5, 6}) {
        SCOPED_TRACE(revision);
        expect_mappings(
            limine_hhdm_mappings(map_, revision),
            {direct(0x1000, 0x9F000), direct(0x100000, 0x302000), direct(0x403000, 0x1000),
             direct(0xFD000000, 0x300000), direct(k4G, 0x100000), direct(k4G + 0x101000, 0x1000)});
    }
}

// ---- The HHDM through the boot page tables svm builds ----

TEST_F(LimineResponsesTest, BootPageTablesMapTheExecutableAndTheHhdmPerRevision) {
    for (uint64_t revision = 0; revision <= 6; ++revision) {
        SCOPED_TRACE(revision);
        memory_ = garbage_memory();
        auto image = load(executable(revision, {kMemmap}));
        ASSERT_TRUE(image) << image.error().message;
        uint64_t cr3 = page_tables(*image);
        ASSERT_NE(cr3, 0u);
        // "Executable Address": virtual_base maps to physical_base, one uniform offset.
        EXPECT_EQ(walk(cr3, kLimineBase), kLiminePhysicalBase);
        EXPECT_EQ(walk(cr3, kLimineBase + 0x3fff), kLiminePhysicalBase + 0x3fff);
        // The responses are reachable through the HHDM in every revision.
        EXPECT_EQ(walk(cr3, kHhdm + image->layout.boot_info), image->layout.boot_info);
        uint64_t resp = response(*image, slot(0));
        EXPECT_EQ(walk(cr3, kHhdm + resp), resp);
        // So is the BSP's stack (RSP is an HHDM address).
        EXPECT_EQ(walk(cr3, image->limine->rsp), image->limine->rsp - kHhdm);
        // The legacy hole [0xA0000, 1 MiB) is reserved: in the HHDM up to revision 2 only.
        if (revision <= 2) {
            EXPECT_EQ(walk(cr3, kHhdm + 0xA0000), 0xA0000u);
        } else {
            EXPECT_EQ(walk(cr3, kHhdm + 0xA0000), std::nullopt);
        }
    }
}

TEST_F(LimineResponsesTest, AcpiAreaIsReservedMappedAndInTheHhdmFromRevisionFour) {
    auto image = load(executable(4, {kMemmap}));
    ASSERT_TRUE(image) << image.error().message;
    auto map = memmap_at(response(*image, slot(0)));
    const uint64_t acpi = image->layout.acpi;
    EXPECT_EQ(type_at(map, acpi), kReservedMapped);
    EXPECT_EQ(type_at(map, acpi + kAcpiAreaSize - 1), kReservedMapped);
    uint64_t cr3 = page_tables(*image);
    EXPECT_EQ(walk(cr3, kHhdm + acpi), acpi);
    EXPECT_EQ(walk(cr3, kHhdm + acpi + kAcpiAreaSize - 1), acpi + kAcpiAreaSize - 1);

    // Base revision 3 knows no RESERVED_MAPPED: the area stays reserved and out of the HHDM.
    memory_ = garbage_memory();
    image = load(executable(3, {kMemmap}));
    ASSERT_TRUE(image) << image.error().message;
    map = memmap_at(response(*image, slot(0)));
    EXPECT_EQ(type_at(map, acpi), kReserved);
    EXPECT_EQ(walk(page_tables(*image), kHhdm + acpi), std::nullopt);
}

TEST_F(LimineResponsesTest, MachineRsdpPageIsReservedMappedFromRevisionFour) {
    // An RSDP in the BIOS area, as the machine's ACPI builder places it.
    auto image = load_with_rsdp(executable(4, {kMemmap, kRsdp}), 0xF5A20);
    ASSERT_TRUE(image) << image.error().message;
    auto map = memmap_at(response(*image, slot(0)));
    EXPECT_EQ(type_at(map, 0xF5A20), kReservedMapped);
    EXPECT_EQ(type_at(map, 0xF5000), kReservedMapped);
    EXPECT_EQ(type_at(map, 0xF4FFF), kReserved);
    EXPECT_EQ(walk(page_tables(*image), kHhdm + 0xF5A20), 0xF5A20u);
    // "RSDP Feature": an HHDM address outside base revision 3.
    EXPECT_EQ(u64(response(*image, slot(1)) + 8), kHhdm + 0xF5A20);
}

// ---- "RSDP Feature" ----

TEST_F(LimineResponsesTest, RsdpIsPhysicalInRevisionThreeOnly) {
    for (uint64_t revision = 0; revision <= 6; ++revision) {
        SCOPED_TRACE(revision);
        memory_ = garbage_memory();
        auto image = load_with_rsdp(executable(revision, {kRsdp}), 0xF5A20);
        ASSERT_TRUE(image) << image.error().message;
        uint64_t resp = response(*image, slot(0));
        ASSERT_NE(resp, 0u);
        EXPECT_EQ(u64(resp), 0u);
        EXPECT_EQ(u64(resp + 8), revision == 3 ? 0xF5A20u : kHhdm + 0xF5A20);
    }
}

TEST_F(LimineResponsesTest, NoRsdpResponseWithoutAcpi) {
    auto image = load(executable(4, {kRsdp}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(response(*image, slot(0)), 0u);
}

// ---- "Memory Map Feature" ----

TEST_F(LimineResponsesTest, MemoryMapInvariantsHoldForEveryRevision) {
    options_.cpus = 2;
    for (uint64_t revision = 0; revision <= 6; ++revision) {
        SCOPED_TRACE(revision);
        memory_ = garbage_memory();
        auto image = load(executable(revision, {kMemmap}));
        ASSERT_TRUE(image) << image.error().message;
        uint64_t resp = response(*image, slot(0));
        EXPECT_EQ(u64(resp), 0u);
        auto map = memmap_at(resp);
        ASSERT_FALSE(map.empty());
        for (size_t i = 0; i < map.size(); ++i) {
            SCOPED_TRACE(i);
            const auto& e = map[i];
            EXPECT_GT(e.length, 0u);
            if (i > 0) {
                EXPECT_GT(e.base, map[i - 1].base);                      // sorted
                EXPECT_GE(e.base, map[i - 1].base + map[i - 1].length);  // no overlap
            }
            if (e.type == kUsable || e.type == kReclaimable) {
                EXPECT_EQ(e.base % 4096, 0u);
                EXPECT_EQ(e.length % 4096, 0u);
            }
            EXPECT_LE(e.type, revision >= 4 ? kReservedMapped : kFramebufferType);
        }
        EXPECT_EQ(type_at(map, kLiminePhysicalBase), kExecutable);
        EXPECT_EQ(type_at(map, kLiminePhysicalBase + 0x3fff), kExecutable);
        // svm's region (page tables, parking loop, MP information, stacks) is reclaimable.
        const LoadedRange& region = image->loaded.back();
        EXPECT_EQ(type_at(map, region.base), kReclaimable);
        EXPECT_EQ(type_at(map, region.base + region.size - 1), kReclaimable);
        EXPECT_EQ(type_at(map, image->limine->rsp - kHhdm), kReclaimable);
        // The responses and the GDT too ("General Notes", "Machine State at Entry").
        EXPECT_EQ(type_at(map, image->layout.boot_info), kReclaimable);
        EXPECT_EQ(type_at(map, image->layout.gdt), kReclaimable);
        if (revision <= 2) {
            EXPECT_NE(type_at(map, 0), kUsable);
        }
    }
}

// ---- "Framebuffer Feature" ----

TEST_F(LimineResponsesTest, FramebufferWithADisplay) {
    options_.display = DisplayCaps{};
    auto image = load(executable(3, {kFramebuffer, kMemmap}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    ASSERT_NE(resp, 0u);
    EXPECT_EQ(u64(resp), 1u);      // response revision 1: with the video modes
    ASSERT_EQ(u64(resp + 8), 1u);  // framebuffer_count
    uint64_t fb = from_hhdm(u64(from_hhdm(u64(resp + 16))));
    EXPECT_EQ(u64(fb + 0), kHhdm + 0xFD000000);  // address
    EXPECT_EQ(u64(fb + 8), 1024u);               // width
    EXPECT_EQ(u64(fb + 16), 768u);               // height
    EXPECT_EQ(u64(fb + 24), 4096u);              // pitch
    EXPECT_EQ(u16(fb + 32), 32u);                // bpp
    EXPECT_EQ(u8(fb + 34), 1u);                  // memory_model RGB
    EXPECT_EQ(u8(fb + 35), 8u);                  // red 8 at 16
    EXPECT_EQ(u8(fb + 36), 16u);
    EXPECT_EQ(u8(fb + 37), 8u);  // green 8 at 8
    EXPECT_EQ(u8(fb + 38), 8u);
    EXPECT_EQ(u8(fb + 39), 8u);  // blue 8 at 0
    EXPECT_EQ(u8(fb + 40), 0u);
    EXPECT_EQ(u64(fb + 48), 0u);  // edid_size
    EXPECT_EQ(u64(fb + 56), 0u);  // edid
    uint64_t mode_count = u64(fb + 64);
    ASSERT_GT(mode_count, 0u);
    uint64_t modes = from_hhdm(u64(fb + 72));
    bool current = false;
    for (uint64_t i = 0; i < mode_count; ++i) {
        uint64_t m = from_hhdm(u64(modes + 8 * i));
        EXPECT_EQ(u8(m + 26), 1u);  // RGB
        if (u64(m) == 4096 && u64(m + 8) == 1024 && u64(m + 16) == 768 && u16(m + 24) == 32)
            current = u8(m + 27) == 8 && u8(m + 28) == 16 && u8(m + 29) == 8 && u8(m + 30) == 8 &&
                      u8(m + 31) == 8 && u8(m + 32) == 0;
    }
    EXPECT_TRUE(current) << "1024x768x32 is not among the modes";
    // The machine sets the mode up before the executable starts.
    ASSERT_TRUE(image->video);
    EXPECT_EQ(image->video->kind, VideoMode::Kind::Linear);
    EXPECT_EQ(image->video->width, 1024u);
    EXPECT_EQ(image->video->height, 768u);
    EXPECT_EQ(image->video->bpp, 32u);
    EXPECT_EQ(image->video->pitch, 4096u);
    EXPECT_EQ(image->video->address, 0xFD000000u);
    // The memory map has the framebuffer, and base revision 3's HHDM maps it.
    auto map = memmap_at(response(*image, slot(1)));
    auto it = std::ranges::find(map, 0xFD000000ull, &MemmapEntry::base);
    ASSERT_NE(it, map.end());
    EXPECT_EQ(it->type, kFramebufferType);
    EXPECT_EQ(it->length, 4096u * 768u);
    uint64_t cr3 = page_tables(*image);
    EXPECT_EQ(walk(cr3, kHhdm + 0xFD000000), 0xFD000000u);
    EXPECT_EQ(walk(cr3, kHhdm + 0xFD000000 + 4096 * 768 - 1), 0xFD000000u + 4096 * 768 - 1);
}

TEST_F(LimineResponsesTest, NoFramebufferWithoutADisplay) {
    auto image = load(executable(3, {kFramebuffer, kMemmap}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(response(*image, slot(0)), 0u);
    EXPECT_FALSE(image->video);
    for (const auto& e : memmap_at(response(*image, slot(1)))) EXPECT_NE(e.type, kFramebufferType);
}

TEST_F(LimineResponsesTest, NoFramebufferWithoutTheRequest) {
    options_.display = DisplayCaps{};
    auto image = load(executable(3, {kMemmap}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_FALSE(image->video);
    for (const auto& e : memmap_at(response(*image, slot(0)))) EXPECT_NE(e.type, kFramebufferType);
}

// ---- "MP (Multiprocessor) Feature" ----

class LimineMpTest : public LimineTest {
protected:
    struct Info {
        uint64_t pointer;  // HHDM, as in the cpus array
        uint32_t processor_id, lapic_id;
        uint64_t reserved, goto_address, extra_argument;
    };
    std::vector<Info> cpus(uint64_t resp) const {
        std::vector<Info> out;
        uint64_t array = from_hhdm(u64(resp + 24));
        for (uint64_t i = 0; i < u64(resp + 16); ++i) {
            uint64_t pointer = u64(array + 8 * i);
            uint64_t p = from_hhdm(pointer);
            out.push_back({pointer, u32(p), u32(p + 4), u64(p + 8), u64(p + 16), u64(p + 24)});
        }
        return out;
    }
};

TEST_F(LimineMpTest, FourProcessorsAreDescribedAndParked) {
    options_.cpus = 4;
    auto image = load(executable(3, {TestRequest{kMp, 0, {0}}}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    ASSERT_NE(resp, 0u);
    EXPECT_EQ(u64(resp), 0u);
    EXPECT_EQ(u32(resp + 8), 0u);   // flags: no x2APIC asked for
    EXPECT_EQ(u32(resp + 12), 0u);  // bsp_lapic_id
    ASSERT_EQ(u64(resp + 16), 4u);  // cpu_count
    auto info = cpus(resp);
    const LoadedRange& region = image->loaded.back();
    std::set<uint64_t> tops;
    for (uint32_t i = 0; i < 4; ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(info[i].processor_id, i);
        EXPECT_EQ(info[i].lapic_id, i);
        EXPECT_EQ(info[i].goto_address, 0u);
        EXPECT_EQ(info[i].pointer % 8, 0u);
        if (i == 0) continue;  // the BSP's info is not used for parking
        // `reserved` holds the AP's stack top (HHDM), inside svm's reclaimable region.
        uint64_t top = info[i].reserved;
        EXPECT_EQ(top % 16, 0u);
        EXPECT_GT(top - kHhdm, region.base);
        EXPECT_LE(top - kHhdm, region.base + region.size);
        tops.insert(top);
    }
    EXPECT_EQ(tops.size(), 3u);
    EXPECT_FALSE(tops.contains(image->limine->rsp + 8));  // not the BSP's stack either
    // One parked AP per vCPU 1..3: RIP at the parking loop, RDI its info, RSP its stack top.
    ASSERT_EQ(image->limine->aps.size(), 3u);
    const uint64_t loop = image->limine->aps[0].rip;
    EXPECT_GE(loop - kHhdm, region.base);
    EXPECT_LT(loop - kHhdm, region.base + region.size);
    for (size_t i = 1; i < 4; ++i) {
        SCOPED_TRACE(i);
        const auto& ap = image->limine->aps[i - 1];
        EXPECT_EQ(ap.rip, loop);
        EXPECT_EQ(ap.rdi, info[i].pointer);
        EXPECT_EQ(ap.rsp, info[i].reserved);
    }
    EXPECT_FALSE(image->limine->x2apic);
    // The loop's code is in guest memory (not the 0xCC garbage): a REX.W load comes first.
    EXPECT_EQ(u8(loop - kHhdm), 0x48u);
}

// The parking loop must poll `goto_address` (offset 16 of struct limine_mp_info, PROTOCOL.md
// "MP (Multiprocessor) Feature") and take its stack from `reserved` (offset 8). Its first
// instruction is `mov rax, [rdi + disp8]` (48 8B 47 disp8).
TEST_F(LimineMpTest, ParkingLoopPollsGotoAddressAndTakesTheStackFromReserved) {
    options_.cpus = 2;
    auto image = load(executable(3, {TestRequest{kMp, 0, {0}}}));
    ASSERT_TRUE(image) << image.error().message;
    ASSERT_EQ(image->limine->aps.size(), 1u);
    uint64_t code = image->limine->aps[0].rip - kHhdm;
    Bytes poll = peek_bytes(memory_, code, 4);
    EXPECT_EQ(poll, (Bytes{0x48, 0x8b, 0x47, 0x10})) << "mov rax, [rdi + goto_address]";
    Bytes stack = peek_bytes(memory_, code + 0x0d, 4);
    EXPECT_EQ(stack, (Bytes{0x48, 0x8b, 0x67, 0x08})) << "mov rsp, [rdi + reserved]";
}

TEST_F(LimineMpTest, X2ApicFlagFollowsTheRequest) {
    options_.cpus = 2;
    auto image = load(executable(3, {TestRequest{kMp, 0, {1}}}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(u32(response(*image, slot(0)) + 8), 1u);
    EXPECT_TRUE(image->limine->x2apic);
}

TEST_F(LimineMpTest, SingleProcessorGetsAResponseWithTheBspOnly) {
    auto image = load(executable(3, {TestRequest{kMp, 0, {0}}}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    ASSERT_EQ(u64(resp + 16), 1u);
    EXPECT_EQ(cpus(resp)[0].lapic_id, 0u);
    EXPECT_TRUE(image->limine->aps.empty());
}

TEST_F(LimineMpTest, NoParkedProcessorsWithoutTheRequest) {
    options_.cpus = 4;
    auto image = load(executable(3, std::vector<Id>{}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_TRUE(image->limine->aps.empty());
}

// ---- "Machine State at Entry": the BSP's stack; "Stack Size Feature" ----

TEST_F(LimineResponsesTest, BspStackHoldsTheInvalidReturnAddress) {
    auto image = load(executable(3, std::vector<Id>{}));
    ASSERT_TRUE(image) << image.error().message;
    const uint64_t rsp = image->limine->rsp;
    EXPECT_GE(rsp, kHhdm);
    EXPECT_EQ(rsp % 16, 8u);
    EXPECT_EQ(u64(rsp - kHhdm), 0u);  // garbage memory elsewhere: svm wrote this 0
    // At least 64 KiB below the top, all in svm's region.
    const LoadedRange& region = image->loaded.back();
    EXPECT_GE(rsp + 8 - kHhdm - kLimineDefaultStack, region.base);
    EXPECT_LE(rsp + 8 - kHhdm, region.base + region.size);
}

TEST_F(LimineResponsesTest, StackSizeRequestSizesEveryStack) {
    options_.cpus = 2;
    auto image = load(executable(3, {TestRequest{kStack, 0, {0x100000}}, TestRequest{kMp}}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_NE(response(*image, slot(0)), 0u);
    const LoadedRange& region = image->loaded.back();
    const uint64_t bsp_top = image->limine->rsp + 8 - kHhdm;
    ASSERT_EQ(image->limine->aps.size(), 1u);
    const uint64_t ap_top = image->limine->aps[0].rsp - kHhdm;
    // Stacks do not overlap one another nor the page tables, parking loop and MP information.
    EXPECT_GE(ap_top - bsp_top, 0x100000u);
    EXPECT_GE(bsp_top - 0x100000, region.base + (kLiminePageTablePages + 2) * 4096);
    EXPECT_LE(ap_top, region.base + region.size);
    EXPECT_EQ(u64(bsp_top - 8), 0u);
}

TEST_F(LimineResponsesTest, StackSizeAboveTheMaximumIsRefused) {
    auto image = load(executable(3, {TestRequest{kStack, 0, {kLimineMaxStack + 1}}}));
    ASSERT_FALSE(image);
    EXPECT_CONTAINS(image.error().message, "stack size request");
    EXPECT_CONTAINS(image.error().message, "256 MiB");
    image = load(executable(3, {TestRequest{kStack, 0, {~0ull}}}));
    ASSERT_FALSE(image);
}

// ---- "Executable Command Line Feature", "Executable File Feature", "Module Feature" ----

TEST_F(LimineResponsesTest, CmdlineIsTheExecutableFilesString) {
    options_.cmdline = "console=ttyS0 loglevel=7";
    auto image = load(executable(3, {kCmdline, kExecFile}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t cmdline = response(*image, slot(0));
    ASSERT_NE(cmdline, 0u);
    uint64_t file = from_hhdm(u64(response(*image, slot(1)) + 8));
    EXPECT_EQ(u64(cmdline + 8), u64(file + 32));  // the same memory
    EXPECT_EQ(str(u64(cmdline + 8)), "console=ttyS0 loglevel=7");
}

TEST_F(LimineResponsesTest, CmdlineIsEmptyWithoutOne) {
    auto image = load(executable(3, {kCmdline}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(str(u64(response(*image, slot(0)) + 8)), "");
}

TEST_F(LimineResponsesTest, ModulesKeepTheirOrderPathsAndStrings) {
    std::string first = write_temp_file("limine_initrd.img", pattern(5000, 1));
    std::string second = write_temp_file("limine_fonts.bin", pattern(300, 2));
    options_.modules.push_back({first, first + " root=/dev/ram0"});
    options_.modules.push_back({second, second});
    auto image = load(executable(3, {kModule}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    ASSERT_EQ(u64(resp + 8), 2u);
    uint64_t array = from_hhdm(u64(resp + 16));
    uint64_t a = from_hhdm(u64(array)), b = from_hhdm(u64(array + 8));
    EXPECT_EQ(str(u64(a + 24)), "/svm_loader_test_limine_initrd.img");
    EXPECT_EQ(str(u64(a + 32)), "root=/dev/ram0");
    EXPECT_EQ(u64(a + 16), 5000u);
    EXPECT_EQ(from_hhdm(u64(a + 8)) % 4096, 0u);
    EXPECT_EQ(peek_bytes(memory_, from_hhdm(u64(a + 8)), 5000), pattern(5000, 1));
    EXPECT_EQ(str(u64(b + 24)), "/svm_loader_test_limine_fonts.bin");
    EXPECT_EQ(str(u64(b + 32)), "");
    EXPECT_EQ(peek_bytes(memory_, from_hhdm(u64(b + 8)), 300), pattern(300, 2));
}

TEST_F(LimineResponsesTest, NoModuleResponseWithoutModules) {
    auto image = load(executable(3, {kModule}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(response(*image, slot(0)), 0u);
}

// ---- "Entropy Feature" ----

TEST_F(LimineResponsesTest, EntropyGivesTheValuesAskedFor) {
    auto image = load(executable(3, {TestRequest{kEntropy, 0, {5}}}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    ASSERT_NE(resp, 0u);
    EXPECT_EQ(u64(resp), 0u);
    ASSERT_EQ(u64(resp + 8), 5u);
    uint64_t values = from_hhdm(u64(resp + 16));
    bool nonzero = false;
    for (uint64_t i = 0; i < 5; ++i) nonzero |= u64(values + 8 * i) != 0;
    EXPECT_TRUE(nonzero);
}

TEST_F(LimineResponsesTest, EntropyIsCappedAt4096Values) {
    auto image = load(executable(3, {TestRequest{kEntropy, 0, {100000}}, TestRequest{kMemmap}}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    ASSERT_NE(resp, 0u);
    ASSERT_EQ(u64(resp + 8), 4096u);
    uint64_t values = from_hhdm(u64(resp + 16));
    bool nonzero = false;
    for (uint64_t i = 4090; i < 4096; ++i) nonzero |= u64(values + 8 * i) != 0;
    EXPECT_TRUE(nonzero);
    // The other responses still fit svm's area.
    EXPECT_NE(response(*image, slot(1)), 0u);
}

// ---- Small features and the ones svm never answers ----

TEST_F(LimineResponsesTest, KeepIommuIsAnswered) {
    auto image = load(executable(5, {kKeepIommu}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    ASSERT_NE(resp, 0u);
    EXPECT_EQ(u64(resp), 0u);
}

TEST_F(LimineResponsesTest, FirmwareFeaturesSvmLacksStayNull) {
    auto image = load(executable(3, {kSmbios, kEfiSystemTable, kEfiMemmap, kDtb, kTpm, kFlanterm}));
    ASSERT_TRUE(image) << image.error().message;
    for (size_t i = 0; i < 6; ++i) EXPECT_EQ(response(*image, slot(i)), 0u) << "slot " << i;
}

TEST_F(LimineResponsesTest, BootloaderPerformanceOrdersItsTimes) {
    auto now = [] {
        return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::steady_clock::now().time_since_epoch())
                                         .count());
    };
    options_.start_usec = now();
    auto image = load(executable(3, {kPerformance}));
    const uint64_t after = now();
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    ASSERT_NE(resp, 0u);
    EXPECT_EQ(u64(resp + 8), 0u);  // reset_usec unknown
    EXPECT_EQ(u64(resp + 16), options_.start_usec);
    EXPECT_LE(u64(resp + 16), u64(resp + 24));
    EXPECT_LE(u64(resp + 24), after);
}

TEST_F(LimineResponsesTest, TscFrequencyOnlyWhenKnown) {
    options_.tsc_hz = 2'500'000'000;
    auto image = load(executable(3, {kTsc}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(u64(response(*image, slot(0)) + 8), 2'500'000'000u);
    options_.tsc_hz = 0;
    memory_ = garbage_memory();
    image = load(executable(3, {kTsc}));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(response(*image, slot(0)), 0u);
}

// ---- "Paging Mode Feature" ----

TEST_F(LimineResponsesTest, PagingModeWithMaxBelowMinIsRefused) {
    // Request revision 1: mode 0, max_mode 0, min_mode 1.
    auto image = load(executable(3, {TestRequest{kPaging, 1, {0, 0, 1}}}));
    ASSERT_FALSE(image);
    EXPECT_CONTAINS(image.error().message, "max_mode 0 below min_mode 1");
}

TEST_F(LimineResponsesTest, PagingModeAllowingFourLevelIsAnsweredWithIt) {
    // Prefers 5-level, accepts 4-level.
    auto image = load(executable(3, {TestRequest{kPaging, 1, {1, 1, 0}}}));
    ASSERT_TRUE(image) << image.error().message;
    uint64_t resp = response(*image, slot(0));
    ASSERT_NE(resp, 0u);
    EXPECT_EQ(u64(resp + 8), 0u);
}

}  // namespace
}  // namespace svm
