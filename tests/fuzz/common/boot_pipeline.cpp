#include "tests/fuzz/common/boot_pipeline.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "core/loader/boot_layout.h"
#include "core/loader/memory_map.h"
#include "core/loader/multiboot_abi.h"
#include "core/machine/acpi.h"
#include "core/machine/bios_tables.h"
#include "core/machine/boot_cpu.h"
#include "core/machine/machine_table.h"
#include "core/machine/mp_table.h"
#include "core/x86_64/boot_page_tables.h"
#include "core/x86_64/page_walker.h"
#include "tests/fuzz/common/check.h"
#include "tests/fuzz/common/guarded_memory.h"
#include "tests/fuzz/common/limine_checks.h"

namespace svm::fuzz {

namespace {

constexpr uint64_t kPage = 0x1000;
constexpr uint64_t kVgaStart = 0xA0000;
constexpr uint64_t kVgaEnd = 0xC0000;

bool overlaps(const GpaRange& a, const GpaRange& b) {
    return a.size && b.size && a.base < b.base + b.size && b.base < a.base + a.size;
}

std::vector<uint8_t> bytes_at(const GuestMemory& memory, uint64_t gpa, uint64_t size) {
    std::vector<uint8_t> out(size);
    FUZZ_CHECK(memory.read(gpa, out).has_value(), "{:#x}+{:#x} is not RAM", gpa, size);
    return out;
}

uint8_t sum(std::span<const uint8_t> bytes) {
    uint8_t s = 0;
    for (uint8_t b : bytes) s = static_cast<uint8_t>(s + b);
    return s;
}

// The NUL-terminated string at `gpa`, which must end before `end`.
std::string string_at(const GuestMemory& memory, uint64_t gpa, uint64_t end) {
    std::string out;
    for (uint64_t at = gpa;; ++at) {
        FUZZ_CHECK(at < end, "string at {:#x} runs past {:#x}", gpa, end);
        uint8_t c = memory.read_obj<uint8_t>(at).value();
        if (c == 0) return out;
        out.push_back(static_cast<char>(c));
    }
}

void check_loaded(const GuestMemory& memory, std::span<const LoadedRange> loaded) {
    for (size_t i = 0; i < loaded.size(); ++i) {
        const LoadedRange& r = loaded[i];
        FUZZ_CHECK(r.size > 0 && memory.contains(r.base, r.size), "loaded {:#x}+{:#x} outside RAM",
                   r.base, r.size);
        FUZZ_CHECK(!overlaps({r.base, r.size}, {kVgaStart, kVgaEnd - kVgaStart}),
                   "loaded {:#x}+{:#x} in the VGA window", r.base, r.size);
        for (size_t j = 0; j < i; ++j)
            FUZZ_CHECK(!overlaps({r.base, r.size}, {loaded[j].base, loaded[j].size}),
                       "loaded ranges {} and {} overlap", i, j);
    }
}

// svm's areas in `layout` (what it writes), without the stack (which it does not write).
std::vector<GpaRange> written_areas(const BootLayout& at) {
    std::vector<GpaRange> out{
        {at.machine_table, SVM_MACHINE_TABLE_MAX},
        {at.gdt, kBootGdtSize},
        {at.boot_info, kBootInfoSize},
        {at.acpi, kAcpiAreaSize},
        {at.page_tables, kBootPageTablePages * kPage},
    };
    if (at.bda) out.push_back({kBdaAddr, kBdaSize});
    if (at.ebda) out.push_back({*at.ebda, kEbdaSize});
    if (at.rsdp_copy) out.push_back({*at.rsdp_copy, 36});
    if (at.mp_floating) out.push_back({*at.mp_floating, 16});
    if (at.mp_config) out.push_back({*at.mp_config, at.mp_config_size});
    return out;
}

void check_layout(const GuestMemory& memory, const BootLayout& at,
                  std::span<const LoadedRange> loaded) {
    FUZZ_CHECK(at.stack_top == at.stack_base + kBootStackSize, "stack {:#x}-{:#x}", at.stack_base,
               at.stack_top);
    std::vector<GpaRange> areas = written_areas(at);
    areas.push_back({at.stack_base, kBootStackSize});
    for (size_t i = 0; i < areas.size(); ++i) {
        const GpaRange& a = areas[i];
        FUZZ_CHECK(memory.contains(a.base, a.size), "area {} at {:#x}+{:#x} is not RAM", i, a.base,
                   a.size);
        for (size_t j = 0; j < i; ++j)
            FUZZ_CHECK(!overlaps(a, areas[j]), "areas {} and {} overlap", i, j);
        for (const LoadedRange& r : loaded)
            FUZZ_CHECK(!overlaps(a, {r.base, r.size}), "area {} at {:#x} overlaps loaded {:#x}", i,
                       a.base, r.base);
    }
    for (uint64_t page_aligned :
         {at.stack_base, at.machine_table, at.gdt, at.boot_info, at.acpi, at.page_tables})
        FUZZ_CHECK(page_aligned % kPage == 0, "area at {:#x} is not page-aligned", page_aligned);
    if (at.rsdp_copy)
        FUZZ_CHECK(*at.rsdp_copy % 16 == 0 && *at.rsdp_copy >= kBiosAreaStart &&
                       *at.rsdp_copy + 36 <= 0x100000,
                   "RSDP copy at {:#x}", *at.rsdp_copy);
    if (at.mp_floating)
        FUZZ_CHECK(*at.mp_floating % 16 == 0 && *at.mp_floating >= kBiosFSegment &&
                       *at.mp_floating + 16 <= 0x100000,
                   "MP floating pointer at {:#x}", *at.mp_floating);
    for (size_t i = 0; i < at.reserved.size(); ++i) {
        const svm_mem_range& r = at.reserved[i];
        FUZZ_CHECK(r.length > 0 && r.type == SVM_MEM_RESERVED && memory.contains(r.base, r.length),
                   "reserved range {} {:#x}+{:#x}", i, r.base, r.length);
        if (i > 0)
            FUZZ_CHECK(at.reserved[i - 1].base + at.reserved[i - 1].length < r.base,
                       "reserved ranges {} and {} are not sorted and merged", i - 1, i);
    }
}

// A map that covers [0, ram) exactly, in order, with adjacent entries of different types.
void check_memory_map(std::span<const svm_mem_range> map, uint64_t ram, const char* what) {
    uint64_t next = 0;
    for (size_t i = 0; i < map.size(); ++i) {
        FUZZ_CHECK(map[i].base == next && map[i].length > 0, "{} entry {} at {:#x}+{:#x}", what, i,
                   map[i].base, map[i].length);
        FUZZ_CHECK(map[i].type >= SVM_MEM_RAM && map[i].type <= SVM_MEM_MODULE,
                   "{} entry {} type {}", what, i, map[i].type);
        if (i > 0)
            FUZZ_CHECK(map[i].type != map[i - 1].type, "{} entries {} and {} are not merged", what,
                       i - 1, i);
        next = map[i].base + map[i].length;
    }
    FUZZ_CHECK(next == ram, "{} ends at {:#x}, RAM at {:#x}", what, next, ram);
}

void check_sdt(const GuestMemory& memory, uint64_t gpa, const AcpiLayout& acpi) {
    uint32_t length = memory.read_obj<uint32_t>(gpa + 4).value();
    FUZZ_CHECK(length >= 36 && gpa + length <= acpi.rsdp + kAcpiTablesMax,
               "ACPI table at {:#x} has length {}", gpa, length);
    FUZZ_CHECK(sum(bytes_at(memory, gpa, length)) == 0, "ACPI table at {:#x} checksum", gpa);
}

void check_acpi(const GuestMemory& memory, const AcpiLayout& acpi) {
    const auto& rsdp = acpi.rsdp_bytes;
    FUZZ_CHECK(rsdp.size() == 36 && std::memcmp(rsdp.data(), "RSD PTR ", 8) == 0, "RSDP bytes");
    FUZZ_CHECK(sum(std::span(rsdp).first(20)) == 0 && sum(rsdp) == 0, "RSDP checksums");
    FUZZ_CHECK(bytes_at(memory, acpi.rsdp, 36) == rsdp, "RSDP in memory");
    for (uint64_t table : {acpi.xsdt, acpi.rsdt, acpi.madt, acpi.fadt, acpi.dsdt, acpi.hpet})
        check_sdt(memory, table, acpi);
}

void check_bios_tables(const GuestMemory& memory, const BootLayout& at,
                       std::span<const uint8_t> rsdp) {
    std::vector<uint8_t> expected(rsdp.begin(), rsdp.end());
    if (at.ebda) FUZZ_CHECK(bytes_at(memory, *at.ebda + 0x10, 36) == expected, "EBDA RSDP copy");
    if (at.rsdp_copy) FUZZ_CHECK(bytes_at(memory, *at.rsdp_copy, 36) == expected, "RSDP copy");
    if (at.mp_floating && at.mp_config) {
        auto floating = bytes_at(memory, *at.mp_floating, 16);
        FUZZ_CHECK(std::memcmp(floating.data(), "_MP_", 4) == 0 && sum(floating) == 0,
                   "MP floating pointer");
        uint32_t pointer;
        std::memcpy(&pointer, floating.data() + 4, 4);
        FUZZ_CHECK(pointer == *at.mp_config, "MP pointer {:#x}", pointer);
        uint16_t length = memory.read_obj<uint16_t>(*at.mp_config + 4).value();
        FUZZ_CHECK(length <= at.mp_config_size, "MP table length {}", length);
        auto table = bytes_at(memory, *at.mp_config, length);
        FUZZ_CHECK(std::memcmp(table.data(), "PCMP", 4) == 0 && sum(table) == 0, "MP table");
    }
}

void check_multiboot1(const GuestMemory& memory, uint64_t info_gpa, const BootLayout& at) {
    const uint64_t end = at.boot_info + kBootInfoSize;
    auto inside = [&](uint64_t gpa, uint64_t size) {
        return gpa >= at.boot_info && gpa <= end && size <= end - gpa;
    };
    FUZZ_CHECK(info_gpa == at.boot_info, "Multiboot 1 info at {:#x}", info_gpa);
    auto info = memory.read_obj<mb1::Info>(info_gpa).value();
    string_at(memory, info.cmdline, end);
    FUZZ_CHECK(string_at(memory, info.boot_loader_name, end) == "svm", "boot loader name");
    FUZZ_CHECK(inside(info.mods_addr, uint64_t{info.mods_count} * sizeof(mb1::Module)), "mods");
    for (uint32_t i = 0; i < info.mods_count; ++i) {
        auto mod = memory.read_obj<mb1::Module>(info.mods_addr + i * sizeof(mb1::Module)).value();
        FUZZ_CHECK(mod.mod_start <= mod.mod_end, "module {} range", i);
        string_at(memory, mod.string, end);
    }
    FUZZ_CHECK(inside(info.mmap_addr, info.mmap_length) && info.mmap_length % 24 == 0, "mmap");
    if (info.flags & mb1::kInfoElfSections)
        FUZZ_CHECK(inside(info.elf_addr, uint64_t{info.elf_num} * info.elf_size), "ELF sections");
}

void check_multiboot2(const GuestMemory& memory, uint64_t info_gpa, const BootLayout& at) {
    FUZZ_CHECK(info_gpa == at.boot_info, "Multiboot 2 info at {:#x}", info_gpa);
    uint32_t total = memory.read_obj<uint32_t>(info_gpa).value();
    FUZZ_CHECK(total >= 16 && total <= kBootInfoSize && total % 8 == 0, "total_size {}", total);
    uint64_t offset = 8;
    bool machine_tag = false;
    for (;;) {
        FUZZ_CHECK(offset + 8 <= total, "tag at {} runs past total_size {}", offset, total);
        auto tag = memory.read_obj<mb2::InfoTag>(info_gpa + offset).value();
        FUZZ_CHECK(tag.size >= 8 && tag.size <= total - offset, "tag type {} size {}", tag.type,
                   tag.size);
        if (tag.type == mb2::kInfoEnd) {
            FUZZ_CHECK(tag.size == 8 && offset + 8 == total, "end tag at {} of {}", offset, total);
            break;
        }
        if (tag.type == mb2::kInfoCmdline || tag.type == mb2::kInfoBootLoaderName)
            string_at(memory, info_gpa + offset + 8, info_gpa + offset + tag.size);
        if (tag.type == SVM_MULTIBOOT2_TAG_MACHINE) {
            machine_tag = true;
            auto machine = memory.read_obj<svm_multiboot2_machine_tag>(info_gpa + offset).value();
            FUZZ_CHECK(machine.machine_table == at.machine_table, "machine tag {:#x}",
                       machine.machine_table);
        }
        offset += (tag.size + 7) & ~7u;
    }
    FUZZ_CHECK(machine_tag, "no machine tag");
}

void check_machine_table(const GuestMemory& memory, uint64_t address, const MachineDescription& d) {
    auto header = memory.read_obj<svm_machine>(address).value();
    FUZZ_CHECK(std::memcmp(header.signature, SVM_MACHINE_SIGNATURE, 8) == 0 &&
                   header.version == SVM_MACHINE_VERSION &&
                   header.header_size == sizeof(svm_machine),
               "machine table header");
    FUZZ_CHECK(header.total_size <= SVM_MACHINE_TABLE_MAX, "total_size {}", header.total_size);
    FUZZ_CHECK(sum(bytes_at(memory, address, header.total_size)) == 0, "machine table checksum");
    auto array_inside = [&](uint32_t offset, uint32_t count, size_t size) {
        return offset >= sizeof(svm_machine) && offset <= header.total_size &&
               uint64_t{count} * size <= header.total_size - offset;
    };
    FUZZ_CHECK(array_inside(header.mem_offset, header.mem_count, sizeof(svm_mem_range)) &&
                   array_inside(header.dev_offset, header.dev_count, sizeof(svm_device)) &&
                   array_inside(header.cpu_offset, header.cpu_count, sizeof(svm_cpu)),
               "machine table arrays");
    FUZZ_CHECK(header.mem_count == d.memory.size() && header.dev_count == d.devices.size() &&
                   header.cpu_count == d.cpus.size() && header.ram_size == d.ram_size,
               "machine table counts");
    for (uint32_t i = 0; i < header.dev_count; ++i) {
        auto dev = memory.read_obj<svm_device>(address + header.dev_offset + i * sizeof(svm_device))
                       .value();
        FUZZ_CHECK(std::memchr(dev.name, 0, sizeof dev.name), "device {} name unterminated", i);
    }
    if (d.cmdline.empty()) {
        FUZZ_CHECK(header.cmdline == 0, "cmdline pointer without a command line");
    } else {
        std::string text = string_at(memory, header.cmdline, address + header.total_size);
        FUZZ_CHECK(header.cmdline >= address && text == d.cmdline.c_str(), "cmdline");
    }
}

// The boot page tables map each mapping that no other overlaps and identity-map the probes
// below 4 GiB that no mapping covers; every entry read lies in the pool.
void check_page_tables(const GuestMemory& memory, uint64_t cr3, uint64_t cr4, const GpaRange& pool,
                       std::span<const VirtualMapping> mappings, std::vector<uint64_t> probes) {
    FUZZ_CHECK(pool.contains(cr3), "CR3 {:#x} outside the pool", cr3);
    PagingRegs regs{x86::CR0_PE | x86::CR0_PG, cr3, cr4, x86::EFER_LME | x86::EFER_LMA};
    auto expect = [&](uint64_t linear, uint64_t gpa) {
        auto t = translate(memory, regs, linear);
        FUZZ_CHECK(t.has_value(), "linear {:#x} does not translate: {}", linear,
                   t ? "" : t.error().message);
        FUZZ_CHECK(t->gpa == gpa, "linear {:#x} -> {:#x}, expected {:#x}", linear, t->gpa, gpa);
        for (const PageWalkStep& step : t->steps)
            FUZZ_CHECK(pool.contains(step.entry_gpa), "entry at {:#x} outside the pool",
                       step.entry_gpa);
    };
    auto widened = [](const VirtualMapping& m) {
        uint64_t start = m.vaddr & ~(kPage - 1);
        return GpaRange{start, ((m.vaddr + m.size + kPage - 1) & ~(kPage - 1)) - start};
    };
    for (size_t i = 0; i < mappings.size(); ++i) {
        const VirtualMapping& m = mappings[i];
        if (m.size == 0) continue;
        bool alone = true;
        for (size_t j = 0; j < mappings.size(); ++j)
            if (j != i && mappings[j].size && overlaps(widened(m), widened(mappings[j])))
                alone = false;
        if (!alone) continue;
        expect(m.vaddr, m.paddr);
        expect(m.vaddr + m.size - 1, m.paddr + m.size - 1);
    }
    for (uint64_t p : probes) {
        if (p >= (4ull << 30)) continue;
        bool covered = false;
        for (const VirtualMapping& m : mappings)
            if (m.size && widened(m).contains(p)) covered = true;
        if (!covered) expect(p, p);
    }
}

// Bytes of guest memory at `gpa`, copied before svm writes around them.
struct Sample {
    uint64_t gpa;
    std::vector<uint8_t> bytes;
};

// What the loaded ranges hold: all of a small range, the first and last 4 KiB of a large one
// (most of a large range is a zeroed BSS that only svm's areas could overlap, and
// check_layout() proves they do not), and 256 bytes around each of `windows` (where svm writes
// into a Limine executable). Copying whole ranges would halve the executions.
std::vector<Sample> loaded_samples(const GuestMemory& memory, std::span<const GpaRange> ranges,
                                   std::span<const GpaRange> windows) {
    constexpr uint64_t kEdge = 0x1000, kAround = 0x100;
    std::vector<Sample> out;
    for (const GpaRange& r : ranges) {
        if (r.size <= 2 * kEdge) {
            out.push_back({r.base, bytes_at(memory, r.base, r.size)});
        } else {
            out.push_back({r.base, bytes_at(memory, r.base, kEdge)});
            out.push_back(
                {r.base + r.size - kEdge, bytes_at(memory, r.base + r.size - kEdge, kEdge)});
        }
        for (const GpaRange& w : windows) {
            if (!r.contains(w.base)) continue;
            uint64_t lo = std::max(r.base, w.base - std::min(w.base, kAround));
            uint64_t hi = std::min(r.base + r.size, w.base + w.size + kAround);
            out.push_back({lo, bytes_at(memory, lo, hi - lo)});
        }
    }
    return out;
}

// Checks that each sample still holds its bytes, but in `windows` (checked on their own).
void check_samples(const GuestMemory& memory, std::vector<Sample> before,
                   std::span<const GpaRange> windows) {
    for (Sample& b : before) {
        auto after = bytes_at(memory, b.gpa, b.bytes.size());
        for (const GpaRange& w : windows)
            for (uint64_t at = std::max(w.base, b.gpa);
                 at < std::min(w.base + w.size, b.gpa + b.bytes.size()); ++at)
                b.bytes[at - b.gpa] = after[at - b.gpa] = 0;
        auto diff = std::ranges::mismatch(b.bytes, after);
        FUZZ_CHECK(diff.in1 == b.bytes.end(), "loaded byte at {:#x} was overwritten",
                   b.gpa + (diff.in1 - b.bytes.begin()));
    }
}

}  // namespace

void run_boot_pipeline(GuestMemory& memory, KernelImage& image, const BootInputs& in) {
    check_loaded(memory, image.loaded);
    std::vector<GpaRange> allowed;
    for (const LoadedRange& r : image.loaded) allowed.push_back({r.base, r.size});
    // A Limine executable: where svm writes in it, and svm's region (whose contents are svm's).
    std::optional<LimineImagePlan> limine;
    if (image.format == "limine") limine = plan_limine_checks(memory, image, in.kernel_file);
    std::vector<GpaRange> sampled, windows;
    for (const GpaRange& r : allowed)
        if (!limine || r.base != limine->region.base) sampled.push_back(r);
    if (limine) windows = limine->windows;
    const auto loaded_before = loaded_samples(memory, sampled, windows);

    // The steps of Machine::load(), write_boot_tables() and create_vcpus(); an error a bad input
    // may cause ends them.
    [&] {
        auto layout = plan_boot_layout(memory.size(), image.loaded, mp_config_table_size(in.cpus));
        if (!layout) return;
        image.layout = std::move(*layout);
        const BootLayout& at = image.layout;
        check_layout(memory, at, image.loaded);
        for (const GpaRange& area : written_areas(at)) allowed.push_back(area);

        auto acpi = write_acpi_tables(memory, at.acpi, in.cpus);
        if (!acpi) return;
        check_acpi(memory, *acpi);
        auto base_map = base_memory_map(memory.size(), at.reserved);
        check_memory_map(base_map, memory.size(), "base map");
        auto bios = write_bios_tables(memory, at, in.cpus, acpi->rsdp_bytes, base_map);
        FUZZ_CHECK(bios.has_value(), "BIOS tables: {}", bios ? "" : bios.error().message);
        check_bios_tables(memory, at, acpi->rsdp_bytes);
        auto info = write_boot_info(image, memory, acpi->rsdp_bytes, acpi->rsdp);
        if (limine) {
            // The areas usable memory may not overlap. The BIOS data area may: a PC's E820 map
            // reports it as usable RAM too, and base revisions from 3 on let the first page be
            // usable (PROTOCOL.md "Memory Map Feature").
            std::vector<GpaRange> areas;
            for (const GpaRange& a : written_areas(at))
                if (a.base != kBdaAddr) areas.push_back(a);
            areas.push_back({at.stack_base, kBootStackSize});
            check_limine_responses(memory, image, *limine, info.has_value(), areas, acpi->rsdp);
        }
        if (!info) return;
        if (image.format == "multiboot1") check_multiboot1(memory, image.ebx.value(), at);
        if (image.format == "multiboot2") check_multiboot2(memory, image.ebx.value(), at);
        auto gdt = image.limine ? write_limine_gdt(memory, at.gdt) : write_boot_gdt(memory, at.gdt);
        FUZZ_CHECK(gdt.has_value(), "boot GDT: {}", gdt ? "" : gdt.error().message);

        uint64_t cr3 = 0;
        if (image.mode == CpuMode::Long) {
            auto tables = build_kernel_page_tables(memory, image);
            // svm's pool always has room for a Limine executable: its segments are physically
            // contiguous in RAM (at most 32 MiB here) and the HHDM needs few tables.
            FUZZ_CHECK(tables || !limine, "Limine page tables: {}",
                       tables ? "" : tables.error().message);
            if (!tables) return;
            cr3 = *tables;
            GpaRange pool{at.page_tables, kBootPageTablePages * kPage};
            uint64_t cr4 = x86::CR4_PAE;
            if (image.limine) {
                pool = {image.limine->page_table_pool, image.limine->page_table_pages * kPage};
                if (image.limine->paging_levels == 5) cr4 |= x86::CR4_LA57;
            }
            check_page_tables(memory, cr3, cr4, pool, image.mappings,
                              {0, 0x1000, 0x100000, 0x1fffff, 0x200000, 0x7fffffff, 0xfffff000,
                               image.entry, at.machine_table, at.stack_top - 8});
            if (limine) check_limine_start(memory, image, cr3, *limine);
        }

        MachineDescription desc;
        desc.ram_size = memory.size();
        desc.memory = machine_memory_map(memory.size(), at.reserved, image.loaded);
        check_memory_map(desc.memory, memory.size(), "machine table map");
        desc.devices = in.devices;
        desc.cmdline = in.cmdline;
        desc.acpi_rsdp = acpi->rsdp;
        for (int i = 0; i < in.cpus; ++i) {
            uint32_t index = static_cast<uint32_t>(i);
            desc.cpus.push_back({index, index, i == 0 ? SVM_CPU_BSP : 0u, 0});
        }
        if (write_machine_table(memory, desc, at.machine_table))
            check_machine_table(memory, at.machine_table, desc);

        CpuState state = boot_cpu_state(image, cr3);
        FUZZ_CHECK(state.rip == image.entry && state.gdt.base == at.gdt, "boot CPU state");
    }();

    check_samples(memory, loaded_before, windows);
    auto stray = first_nonzero_outside(memory, allowed);
    FUZZ_CHECK(!stray, "byte at {:#x} written outside the loaded ranges and svm's areas",
               stray.value_or(0));
}

}  // namespace svm::fuzz
