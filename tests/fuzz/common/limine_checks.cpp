#include "tests/fuzz/common/limine_checks.h"

#include <svm/limine_protocol.h>

#include <algorithm>
#include <cstring>

#include "core/loader/boot_layout.h"
#include "core/loader/elf_file.h"
#include "core/loader/limine_loader.h"
#include "core/loader/limine_requests.h"
#include "core/x86_64/page_walker.h"
#include "tests/fuzz/common/check.h"

namespace svm::fuzz {

namespace {

constexpr uint64_t kPage = 0x1000;
constexpr uint64_t kResponseField = 40;  // offset of `response` in a request ("Features")

struct Id {
    uint64_t a, b;
};
// The requests svm answers whenever the executable makes them (limine_loader.cpp's
// ResponseWriter): a NULL response to one of these is a lost answer.
constexpr Id kAlwaysAnswered[] = {
    {SVM_LIMINE_ID_BOOTLOADER_INFO},
    {SVM_LIMINE_ID_EXECUTABLE_CMDLINE},
    {SVM_LIMINE_ID_FIRMWARE_TYPE},
    {SVM_LIMINE_ID_STACK_SIZE},
    {SVM_LIMINE_ID_HHDM},
    {SVM_LIMINE_ID_PAGING_MODE},
    {SVM_LIMINE_ID_MP},
    {SVM_LIMINE_ID_MEMMAP},
    {SVM_LIMINE_ID_ENTRY_POINT},
    {SVM_LIMINE_ID_EXECUTABLE_FILE},
    {SVM_LIMINE_ID_DATE_AT_BOOT},
    {SVM_LIMINE_ID_EXECUTABLE_ADDRESS},
    {SVM_LIMINE_ID_BOOTLOADER_PERFORMANCE},
    {SVM_LIMINE_ID_X86_64_KEEP_IOMMU},
};
// The requests svm answers depending on the machine or the request's members.
constexpr Id kSometimesAnswered[] = {
    {SVM_LIMINE_ID_FRAMEBUFFER}, {SVM_LIMINE_ID_MODULE},        {SVM_LIMINE_ID_RSDP},
    {SVM_LIMINE_ID_ENTROPY},     {SVM_LIMINE_ID_TSC_FREQUENCY},
};

// The HHDM offset of `image`: "Paging Mode Feature" moves it with 5-level paging.
uint64_t hhdm_offset(const KernelImage& image) {
    return image.limine->paging_levels == 5 ? kLimineHhdmOffset5 : kLimineHhdmOffset;
}

// The paging registers of the BSP at entry (boot_cpu.h), for the page walker.
PagingRegs limine_paging(const KernelImage& image, uint64_t cr3) {
    uint64_t cr4 = x86::CR4_PAE | (image.limine->paging_levels == 5 ? x86::CR4_LA57 : 0);
    return PagingRegs{x86::CR0_PE | x86::CR0_PG, cr3, cr4, x86::EFER_LME | x86::EFER_LMA};
}

bool is(const LimineSlot& s, Id id) {
    return s.id2 == id.a && s.id3 == id.b;
}
bool is_any(const LimineSlot& s, std::span<const Id> ids) {
    return std::ranges::any_of(ids, [&](Id id) { return is(s, id); });
}
bool overlaps(const GpaRange& a, const GpaRange& b) {
    return a.size && b.size && a.base < b.base + b.size && b.base < a.base + a.size;
}
uint64_t u64(const GuestMemory& memory, uint64_t gpa) {
    auto v = memory.read_obj<uint64_t>(gpa);
    FUZZ_CHECK(v.has_value(), "{:#x} is not RAM", gpa);
    return *v;
}

// The guest-physical address of [vaddr, vaddr + size) inside one segment mapping.
uint64_t physical(std::span<const VirtualMapping> segments, uint64_t vaddr, uint64_t size) {
    for (const VirtualMapping& m : segments)
        if (vaddr >= m.vaddr && size <= m.size && vaddr - m.vaddr <= m.size - size)
            return m.paddr + (vaddr - m.vaddr);
    FUZZ_CHECK(false, "Limine structure at {:#x}+{} lies outside every segment", vaddr, size);
    return 0;
}

// An HHDM pointer to `size` bytes of the boot information area, as a guest-physical address.
uint64_t info_pointer(uint64_t pointer, uint64_t size, const KernelImage& image, const char* what) {
    const BootLayout& at = image.layout;
    const uint64_t lo = hhdm_offset(image) + at.boot_info, hi = lo + kBootInfoSize;
    FUZZ_CHECK(pointer >= lo && pointer <= hi && size <= hi - pointer,
               "{} pointer {:#x}+{:#x} is not in the boot information area {:#x} through the HHDM",
               what, pointer, size, at.boot_info);
    return pointer - hhdm_offset(image);
}

// PROTOCOL.md "Memory Map Feature": sorted, non-overlapping; usable and bootloader-reclaimable
// entries page-aligned; nothing svm loaded or wrote is usable; all of it RAM but the framebuffer.
void check_memmap(const GuestMemory& memory, const KernelImage& image, uint64_t response,
                  std::span<const GpaRange> areas) {
    const uint64_t r = info_pointer(response, sizeof(svm_limine_memmap_response), image, "memmap");
    const uint64_t count = u64(memory, r + 8);
    FUZZ_CHECK(count > 0 && count <= kBootInfoSize / 8, "memmap has {} entries", count);
    const uint64_t array = info_pointer(u64(memory, r + 16), count * 8, image, "memmap entries");
    uint64_t end = 0;
    for (uint64_t i = 0; i < count; ++i) {
        const uint64_t e = info_pointer(u64(memory, array + 8 * i), sizeof(svm_limine_memmap_entry),
                                        image, "entry");
        const uint64_t base = u64(memory, e), length = u64(memory, e + 8),
                       type = u64(memory, e + 16);
        FUZZ_CHECK(length > 0 && base + length > base && type <= SVM_LIMINE_MEMMAP_RESERVED_MAPPED,
                   "memmap entry {}: {:#x}+{:#x} type {}", i, base, length, type);
        FUZZ_CHECK(i == 0 || base >= end, "memmap entry {} at {:#x} starts before {:#x}", i, base,
                   end);
        end = base + length;
        if (type == SVM_LIMINE_MEMMAP_USABLE || type == SVM_LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE)
            FUZZ_CHECK(base % kPage == 0 && length % kPage == 0,
                       "memmap entry {} ({:#x}+{:#x}, type {}) is not whole pages", i, base, length,
                       type);
        if (type != SVM_LIMINE_MEMMAP_FRAMEBUFFER)
            FUZZ_CHECK(end <= memory.size(), "memmap entry {} ({:#x}+{:#x}) is not RAM", i, base,
                       length);
        if (type != SVM_LIMINE_MEMMAP_USABLE) continue;
        const GpaRange usable{base, length};
        for (const LoadedRange& l : image.loaded)
            FUZZ_CHECK(!overlaps(usable, {l.base, l.size}),
                       "usable memmap entry {} ({:#x}+{:#x}) overlaps loaded {:#x}+{:#x}", i, base,
                       length, l.base, l.size);
        for (const GpaRange& a : areas)
            FUZZ_CHECK(!overlaps(usable, a),
                       "usable memmap entry {} ({:#x}+{:#x}) overlaps svm's area {:#x}+{:#x}", i,
                       base, length, a.base, a.size);
    }
}

}  // namespace

LimineImagePlan plan_limine_checks(const GuestMemory& memory, const KernelImage& image,
                                   std::span<const uint8_t> file) {
    FUZZ_CHECK(image.limine && image.mode == CpuMode::Long, "a Limine image without its start");
    auto elf = ElfFile::parse(file, /*allow_pie=*/true);
    FUZZ_CHECK(elf.has_value() && elf->is64(), "a loaded Limine executable does not parse");
    auto requests = scan_limine_requests(file, *elf);
    FUZZ_CHECK(requests.has_value(), "a loaded Limine executable does not scan");
    const size_t segment_count = elf->segments().size();
    FUZZ_CHECK(image.mappings.size() == segment_count, "{} mappings for {} segments",
               image.mappings.size(), segment_count);
    const std::span<const VirtualMapping> segments(image.mappings);
    // A position-independent executable moved by the same slide (limine_slide).
    const uint64_t slide = segments[0].vaddr - elf->segments()[0].vaddr;
    for (size_t i = 0; i < segment_count; ++i)
        FUZZ_CHECK(segments[i].vaddr - elf->segments()[i].vaddr == slide &&
                       segments[i].vaddr >= kLimineLowestVirtual,
                   "segment {} at {:#x}", i, segments[i].vaddr);

    LimineImagePlan plan;
    for (const LimineRequest& r : requests->requests) {
        LimineSlot slot{r.id2, r.id3, physical(segments, r.vaddr + slide, 48) + kResponseField, 0,
                        r.bytes_in_image};
        slot.before = u64(memory, slot.gpa);
        plan.slots.push_back(slot);
        plan.windows.push_back({slot.gpa, 8});
    }
    if (requests->base_revision) {
        plan.tag_gpa = physical(segments, requests->base_revision->vaddr + slide, 24);
        plan.revision = requests->base_revision->requested;
        plan.tag_before[0] = u64(memory, *plan.tag_gpa + 8);
        plan.tag_before[1] = u64(memory, *plan.tag_gpa + 16);
        plan.windows.push_back({*plan.tag_gpa + 8, 16});
    }
    FUZZ_CHECK(plan.revision <= kLimineMaxBaseRevision, "booted with base revision {}",
               plan.revision);

    const LimineStart& start = *image.limine;
    for (const LoadedRange& r : image.loaded)
        if (r.base == start.page_table_pool) plan.region = {r.base, r.size};
    FUZZ_CHECK(plan.region.size > 0 && start.page_table_pool % kPage == 0 &&
                   start.page_table_pages * kPage <= plan.region.size,
               "page-table pool {:#x} ({} pages) is not the start of a loaded range",
               start.page_table_pool, start.page_table_pages);
    for (const GpaRange& w : plan.windows)
        FUZZ_CHECK(!overlaps(w, plan.region), "request at {:#x} in svm's region", w.base);
    return plan;
}

void check_limine_responses(const GuestMemory& memory, const KernelImage& image,
                            const LimineImagePlan& plan, bool wrote,
                            std::span<const GpaRange> areas, uint64_t rsdp) {
    if (plan.tag_gpa) {
        const uint64_t second = u64(memory, *plan.tag_gpa + 8),
                       third = u64(memory, *plan.tag_gpa + 16);
        if (wrote)
            FUZZ_CHECK(second == plan.revision && third == 0,
                       "base revision tag at {:#x} reads {}, {} after the boot", *plan.tag_gpa,
                       second, third);
        else
            FUZZ_CHECK(second == plan.tag_before[0] && third == plan.tag_before[1],
                       "base revision tag at {:#x} changed by a boot that failed", *plan.tag_gpa);
    }
    // The tag is acknowledged after the responses: a `response` member inside it holds the tag.
    auto in_tag = [&](const LimineSlot& s) {
        return plan.tag_gpa && s.gpa + 8 > *plan.tag_gpa + 8 && s.gpa < *plan.tag_gpa + 24;
    };
    for (const LimineSlot& s : plan.slots) {
        if (in_tag(s)) continue;
        const uint64_t now = u64(memory, s.gpa);
        bool must = wrote && is_any(s, kAlwaysAnswered);
        bool may = wrote && is_any(s, kSometimesAnswered);
        if (wrote && is(s, {SVM_LIMINE_ID_RSDP}) && rsdp) must = true;
        if (wrote && is(s, {SVM_LIMINE_ID_FRAMEBUFFER}) && image.video) must = true;
        if (wrote && is(s, {SVM_LIMINE_ID_ENTROPY}) && s.bytes_in_image >= 56) must = true;
        if (!must && !(may && now != s.before)) {
            FUZZ_CHECK(now == s.before,
                       "request {:#x}, {:#x}: response member at {:#x} changed from {:#x} to {:#x}",
                       s.id2, s.id3, s.gpa, s.before, now);
            continue;
        }
        const uint64_t response = info_pointer(now, 8, image, "response");
        FUZZ_CHECK(response % 8 == 0, "response at {:#x} is not 8-byte aligned", response);
        if (is(s, {SVM_LIMINE_ID_MEMMAP})) check_memmap(memory, image, now, areas);
        if (is(s, {SVM_LIMINE_ID_HHDM}))
            FUZZ_CHECK(u64(memory, info_pointer(now, 16, image, "HHDM") + 8) == hhdm_offset(image),
                       "HHDM response offset");
    }
    if (!wrote) return;
    const auto& hhdm = image.limine->hhdm;
    FUZZ_CHECK(!hhdm.empty(), "no HHDM mappings after the responses");
    for (const VirtualMapping& m : hhdm)
        FUZZ_CHECK(m.size > 0 && m.vaddr == hhdm_offset(image) + m.paddr && m.paddr % kPage == 0 &&
                       m.size % kPage == 0,
                   "HHDM mapping {:#x} -> {:#x} + {:#x}", m.vaddr, m.paddr, m.size);
}

void check_limine_start(const GuestMemory& memory, const KernelImage& image, uint64_t cr3,
                        const LimineImagePlan& plan) {
    const PagingRegs regs = limine_paging(image, cr3);
    auto gpa = [&](uint64_t linear, const char* what) {
        auto t = translate(memory, regs, linear);
        FUZZ_CHECK(t.has_value(), "{} {:#x} does not translate: {}", what, linear,
                   t ? "" : t.error().message);
        return t->gpa;
    };
    // An entry point inside a segment runs from it. svm checks the entry point request's, not
    // e_entry: an e_entry outside every segment boots and page-faults at once, as under Limine.
    for (const VirtualMapping& m : image.mappings)
        if (m.vaddr >= kLimineLowestVirtual && image.entry - m.vaddr < m.size)
            FUZZ_CHECK(gpa(image.entry, "entry point") == m.paddr + (image.entry - m.vaddr),
                       "entry point {:#x} does not run from its segment", image.entry);
    const LimineStart& start = *image.limine;
    const uint64_t rsp = gpa(start.rsp, "stack pointer");
    FUZZ_CHECK(plan.region.contains(rsp) && plan.region.contains(rsp + 7) && u64(memory, rsp) == 0,
               "stack pointer {:#x} ({:#x}) is not svm's stack holding return address 0", start.rsp,
               rsp);
    const auto loop = limine_parking_loop();
    for (const LimineStart::ParkedAp& ap : start.aps) {
        const uint64_t rip = gpa(ap.rip, "parking loop"), rdi = gpa(ap.rdi, "MP information");
        std::vector<uint8_t> code(loop.size());
        FUZZ_CHECK(plan.region.contains(rip) && memory.read(rip, code).has_value() &&
                       std::ranges::equal(code, loop),
                   "a parked processor starts at {:#x}, not at svm's parking loop", ap.rip);
        FUZZ_CHECK(plan.region.contains(rdi) && u64(memory, rdi + 8) == ap.rsp &&
                       u64(memory, rdi + 16) == 0,
                   "a parked processor's MP information at {:#x}", ap.rdi);
        FUZZ_CHECK(plan.region.contains(gpa(ap.rsp - 8, "AP stack")), "AP stack {:#x}", ap.rsp);
    }
    const BootLayout& at = image.layout;
    for (uint64_t offset : {uint64_t{0}, kBootInfoSize - 1})
        FUZZ_CHECK(gpa(hhdm_offset(image) + at.boot_info + offset, "boot information") ==
                       at.boot_info + offset,
                   "the HHDM does not map the boot information");
}

}  // namespace svm::fuzz
