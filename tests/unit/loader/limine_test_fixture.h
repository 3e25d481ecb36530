// The fixture the Limine loader tests share: a template-like executable builder, and readers for
// the responses and the memory map in guest memory. Responses are read with the layouts of
// PROTOCOL.md (plain offsets, not svm's structs, so a layout mistake in svm's header shows);
// identifiers are spelled out as numbers for the same reason.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/loader/kernel_image.h"
#include "core/loader/limine_loader.h"
#include "core/x86_64/boot_page_tables.h"
#include "core/x86_64/page_walker.h"
#include "test_images.h"

namespace svm::test {

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

constexpr uint64_t kLimineBase = 0xffffffff80000000ull;
constexpr uint64_t kHhdm = 0xffff800000000000ull;
constexpr uint64_t kLimineMagic0 = 0xc7b1dd30df4c8b88ull, kLimineMagic1 = 0x0a82e883a194f07bull;
constexpr uint64_t kRevisionMagic0 = 0xf9562b2d5c95a6c8ull, kRevisionMagic1 = 0x6a7b384944536bdcull;

struct Id {
    uint64_t a, b;
};
constexpr Id kInfo{0xf55038d8e2a1202full, 0x279426fcf5f59740ull};
constexpr Id kCmdline{0x4b161536e598651eull, 0xb390ad4a2f1f303aull};
constexpr Id kFirmware{0x8c2f75d90bef28a8ull, 0x7045a4688eac00c3ull};
constexpr Id kStack{0x224ef0460a8e8926ull, 0xe1cb0fc25f46ea3dull};
constexpr Id kHhdmReq{0x48dcf1cb8ad2b852ull, 0x63984e959a98244bull};
constexpr Id kFramebuffer{0x9d5827dcd881dd75ull, 0xa3148604f6fab11bull};
constexpr Id kPaging{0x95c1a0edab0944cbull, 0xa4e5cb3842f7488aull};
constexpr Id kMp{0x95a67b819a1b857eull, 0xa0b61b723b6a73e0ull};
constexpr Id kMemmap{0x67cf3d9d378a806full, 0xe304acdfc50c3c62ull};
constexpr Id kEntry{0x13d86c035a1cd3e1ull, 0x2b0caa89d8f3026aull};
constexpr Id kExecFile{0xad97e90e83f1ed67ull, 0x31eb5d1c5ff23b69ull};
constexpr Id kModule{0x3e7e279702be32afull, 0xca1c4f3bd1280ceeull};
constexpr Id kRsdp{0xc5e77b6b397e7b43ull, 0x27637845accdcf3cull};
constexpr Id kSmbios{0x9e9046f11e095391ull, 0xaa4a520fefbde5eeull};
constexpr Id kEfiSystemTable{0x5ceba5163eaaf6d6ull, 0x0a6981610cf65fccull};
constexpr Id kEfiMemmap{0x7df62a431d6872d5ull, 0xa4fcdfb3e57306c8ull};
constexpr Id kDate{0x502746e184c088aaull, 0xfbc5ec83e6327893ull};
constexpr Id kExecAddr{0x71ba76863cc55f63ull, 0xb2644a48c516a487ull};
constexpr Id kDtb{0xb40ddb48fb54bac7ull, 0x545081493f81ffb7ull};
constexpr Id kTpm{0x98e094fc7e76e979ull, 0xee8d8775c54e1d1full};
constexpr Id kPerformance{0x6b50ad9bf36d13adull, 0xdc4c7e88fc759e17ull};
constexpr Id kKeepIommu{0x8ebaabe51f490179ull, 0x2aa86a59ffb4ab0full};
constexpr Id kTsc{0x10f2ee1d87d195e4ull, 0xf747a2b78f6ddb31ull};
constexpr Id kFlanterm{0x3259399fe7c5f126ull, 0xe01c1c8c5db9d1a9ull};
constexpr Id kEntropy{0x65ea80255d5682c5ull, 0x9117240723f493ebull};

// Memory map entry types (PROTOCOL.md "Memory Map Feature").
constexpr uint64_t kUsable = 0, kReserved = 1, kAcpiReclaimable = 2, kAcpiNvs = 3, kBadMemory = 4,
                   kReclaimable = 5, kExecutable = 6, kFramebufferType = 7, kReservedMapped = 8;

// One request of a test executable: its id, request revision and optional members (offset 48 on).
struct TestRequest {
    Id id;
    uint64_t revision = 0;
    std::vector<uint64_t> fields = {};
};

struct MemmapEntry {
    uint64_t base, length, type;
};

class LimineTest : public ::testing::Test {
protected:
    // A template-like executable: .text at 0xffffffff80000000 (entry +0x10), .data on the next
    // page holding the base revision tag at +0 and one 0x50-byte request slot per request from
    // +0x40, then BSS.
    static Bytes executable(std::optional<uint64_t> revision,
                            const std::vector<TestRequest>& requests) {
        Bytes data(0x40 + 0x50 * requests.size(), 0);
        if (revision) {
            poke(data, 0, kRevisionMagic0);
            poke(data, 8, kRevisionMagic1);
            poke(data, 16, *revision);
        }
        for (size_t i = 0; i < requests.size(); ++i) {
            size_t off = 0x40 + 0x50 * i;
            poke(data, off, kLimineMagic0);
            poke(data, off + 8, kLimineMagic1);
            poke(data, off + 16, requests[i].id.a);
            poke(data, off + 24, requests[i].id.b);
            poke(data, off + 32, requests[i].revision);
            for (size_t j = 0; j < requests[i].fields.size() && j < 3; ++j)
                poke(data, off + 48 + 8 * j, requests[i].fields[j]);
        }
        std::vector<TestSegment> segments{
            {kLimineBase, 0x1000, pattern(0x100, 7), 0x100},
            {kLimineBase + 0x1000, 0x2000, data, 0x3000},
        };
        return make_elf64(segments, kLimineBase + 0x10);
    }
    // The same with requests given by id only, `extra` holding revision, response and the
    // optional members of the last one.
    static Bytes executable(std::optional<uint64_t> revision, const std::vector<Id>& ids,
                            std::vector<uint64_t> extra = {}) {
        std::vector<TestRequest> requests;
        for (const Id& id : ids) requests.push_back({id});
        if (!requests.empty() && !extra.empty()) {
            requests.back().revision = extra[0];
            if (extra.size() > 2) requests.back().fields.assign(extra.begin() + 2, extra.end());
        }
        return executable(revision, requests);
    }
    // The guest-virtual address of request slot `i` (of .data).
    static uint64_t slot(size_t i) { return kLimineBase + 0x1000 + 0x40 + 0x50 * i; }

    Result<KernelImage> load(const Bytes& file) {
        return load_kernel("/boot/kernel", file, memory_, options_);
    }
    // place_kernel, the layout, then write_boot_info with the machine's RSDP at `rsdp_address`.
    Result<KernelImage> load_with_rsdp(const Bytes& file, uint64_t rsdp_address) {
        auto image = place_kernel("/boot/kernel", file, memory_, options_);
        if (!image) return image;
        image->layout = TRY(plan_boot_layout(memory_.size(), image->loaded, 0));
        TRY(write_boot_info(*image, memory_, {}, rsdp_address));
        return image;
    }
    // The physical address of a guest-virtual one in the executable (its segments' mappings).
    static uint64_t phys(const KernelImage& image, uint64_t vaddr) {
        for (const auto& m : image.mappings)
            if (m.vaddr >= kLimineBase && vaddr >= m.vaddr && vaddr - m.vaddr < m.size)
                return m.paddr + vaddr - m.vaddr;
        ADD_FAILURE() << "unmapped " << std::hex << vaddr;
        return 0;
    }
    // The physical address an HHDM pointer stands for.
    static uint64_t from_hhdm(uint64_t pointer) {
        EXPECT_GE(pointer, kHhdm) << std::hex << pointer;
        return pointer - kHhdm;
    }
    // The response pointer of the request at `vaddr`, as a physical address (0 if NULL).
    uint64_t response(const KernelImage& image, uint64_t vaddr) const {
        uint64_t pointer = u64(phys(image, vaddr) + 40);
        return pointer == 0 ? 0 : from_hhdm(pointer);
    }
    uint64_t u64(uint64_t gpa) const { return peek<uint64_t>(memory_, gpa); }
    uint32_t u32(uint64_t gpa) const { return peek<uint32_t>(memory_, gpa); }
    uint16_t u16(uint64_t gpa) const { return peek<uint16_t>(memory_, gpa); }
    uint8_t u8(uint64_t gpa) const { return peek<uint8_t>(memory_, gpa); }
    std::string str(uint64_t pointer) const { return peek_string(memory_, from_hhdm(pointer)); }

    // The entries of the memory map response at physical address `resp`.
    std::vector<MemmapEntry> memmap_at(uint64_t resp) const {
        std::vector<MemmapEntry> entries;
        uint64_t array = from_hhdm(u64(resp + 16));
        for (uint64_t i = 0; i < u64(resp + 8); ++i) {
            uint64_t e = from_hhdm(u64(array + 8 * i));
            entries.push_back({u64(e), u64(e + 8), u64(e + 16)});
        }
        return entries;
    }
    // The type of the memory map entry holding `address`, or nullopt if none does.
    static std::optional<uint64_t> type_at(const std::vector<MemmapEntry>& map, uint64_t address) {
        for (const auto& e : map)
            if (address >= e.base && address - e.base < e.length) return e.type;
        return std::nullopt;
    }

    // The boot page tables of `image` in its Limine pool (as Machine::create_vcpus builds them).
    uint64_t page_tables(const KernelImage& image) {
        EXPECT_TRUE(image.limine);
        auto cr3 = build_boot_page_tables(memory_, image.mappings, image.limine->page_table_pool,
                                          image.limine->page_table_pages);
        EXPECT_TRUE(cr3) << cr3.error().message;
        return cr3.value_or(0);
    }
    // The guest-physical address `linear` translates to under CR3 `cr3` (4-level paging), or
    // nullopt if it is not mapped.
    std::optional<uint64_t> walk(uint64_t cr3, uint64_t linear) const {
        PagingRegs regs;
        regs.cr0 = 0x80010011;  // PE, ET, WP, PG
        regs.cr3 = cr3;
        regs.cr4 = 0x20;    // PAE
        regs.efer = 0xd00;  // LME, LMA, NXE
        auto t = translate(memory_, regs, linear);
        if (!t) return std::nullopt;
        return t->gpa;
    }

    GuestMemory memory_ = garbage_memory();
    LoadOptions options_;
};

}  // namespace svm::test
