#include "core/x86_64/page_walker.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/x86_64/paging_entry.h"

namespace svm {

namespace {

// Paging-structure entry bits: core/x86_64/paging_entry.h.
constexpr uint64_t PTE_P = pte::kPresent;
constexpr uint64_t PTE_RW = pte::kWritable;
constexpr uint64_t PTE_US = pte::kUser;
constexpr uint64_t PTE_PWT = pte::kWriteThrough;
constexpr uint64_t PTE_PCD = pte::kCacheDisable;
constexpr uint64_t PTE_A = pte::kAccessed;
constexpr uint64_t PTE_D = pte::kDirty;
constexpr uint64_t PTE_PS = pte::kPageSize;
constexpr uint64_t PTE_G = pte::kGlobal;
constexpr uint64_t PTE_NX = pte::kNoExecute;
constexpr uint64_t ADDR_MASK = pte::kAddressMask;

constexpr uint64_t KiB4 = 4ull << 10;
constexpr uint64_t MiB4 = 4ull << 20;
constexpr uint64_t GiB1 = 1ull << 30;

// Reads the entry at `table` + index * width. Returns the error naming the entry if it is not in
// RAM; appends the step to `t` otherwise.
Result<uint64_t> read_entry(const GuestMemory& mem, Translation& t, int level, uint64_t table,
                            uint32_t index, int width) {
    const uint64_t gpa = table + uint64_t{index} * width;
    if (!mem.contains(gpa, width))
        return error(
            "{}[{:#x}] at physical {:#x} lies outside guest RAM (0-{:#x}) while "
            "translating linear {:#x}",
            entry_name(level), index, gpa, mem.size(), t.linear);
    const uint64_t entry =
        width == 4 ? uint64_t{TRY(mem.read_obj<uint32_t>(gpa))} : TRY(mem.read_obj<uint64_t>(gpa));
    t.steps.push_back({level, gpa, entry, index});
    if (!(entry & PTE_P))
        return error("{}[{:#x}] @{:#x} = {:#x} is not present (linear {:#x})", entry_name(level),
                     index, gpa, entry, t.linear);
    return entry;
}

// 32-bit paging, SDM Vol. 3A, 4.3: a 1024-entry page directory of 4-byte PDEs, 4 MiB pages when
// CR4.PSE and PDE.PS (PSE-36: PDE bits 20:13 are physical bits 39:32, Table 4-4).
Result<void> walk_32bit(const GuestMemory& mem, const PagingRegs& regs, Translation& t) {
    uint64_t pd = regs.cr3 & 0xFFFF'F000ull;
    uint64_t pde = TRY(read_entry(mem, t, 2, pd, (t.linear >> 22) & 0x3ff, 4));
    t.writable = pde & PTE_RW;
    t.user = pde & PTE_US;
    if ((pde & PTE_PS) && (regs.cr4 & x86::CR4_PSE)) {
        uint64_t base = (pde & 0xFFC0'0000ull) | (((pde >> 13) & 0xff) << 32);
        t.page_size = MiB4;
        t.gpa = base | (t.linear & (MiB4 - 1));
        return {};
    }
    uint64_t pte = TRY(read_entry(mem, t, 1, pde & 0xFFFF'F000ull, (t.linear >> 12) & 0x3ff, 4));
    t.writable = t.writable && (pte & PTE_RW);
    t.user = t.user && (pte & PTE_US);
    t.page_size = KiB4;
    t.gpa = (pte & 0xFFFF'F000ull) | (t.linear & (KiB4 - 1));
    return {};
}

// PAE, 4-level and 5-level paging, SDM Vol. 3A, 4.4 and 4.5: 8-byte entries, 512 per table, except
// PAE's four PDPTEs (rooted at CR3[31:5], 4.4.1), which have no R/W, U/S or XD bits.
Result<void> walk_64bit(const GuestMemory& mem, const PagingRegs& regs, Translation& t) {
    bool nxe = regs.efer & x86::EFER_NXE;
    bool pae = t.mode == PagingMode::Pae;
    int top = t.mode == PagingMode::Level5 ? 5 : t.mode == PagingMode::Level4 ? 4 : 3;
    uint64_t table = pae ? (regs.cr3 & 0xFFFF'FFE0ull) : (regs.cr3 & ADDR_MASK);
    bool nx = false;
    for (int level = top; level >= 1; --level) {
        int shift = 12 + 9 * (level - 1);
        uint32_t index = pae && level == 3 ? (t.linear >> 30) & 3 : (t.linear >> shift) & 0x1ff;
        uint64_t entry = TRY(read_entry(mem, t, level, table, index, 8));
        if (!(pae && level == 3)) {
            t.writable = t.writable && (entry & PTE_RW);
            t.user = t.user && (entry & PTE_US);
            nx = nx || (entry & PTE_NX);
        }
        // PS maps a page at the PDE (2 MiB) and, outside PAE, at the PDPTE (1 GiB); it is
        // reserved at levels 4 and 5 and is PAT at level 1.
        bool large = (level == 2 || (level == 3 && !pae)) && (entry & PTE_PS);
        if (level == 1 || large) {
            uint64_t size = 1ull << shift;
            t.page_size = size;
            t.gpa = (entry & ADDR_MASK & ~(size - 1)) | (t.linear & (size - 1));
            break;
        }
        table = entry & ADDR_MASK;
    }
    t.executable = !(nxe && nx);
    return {};
}

// Copies page by page; `copy(gpa, offset, length)` moves one chunk that lies inside RAM.
template <typename Copy>
Result<size_t> for_each_chunk(const GuestMemory& mem, const PagingRegs& regs, uint64_t linear,
                              size_t length, Copy copy) {
    size_t done = 0;
    while (done < length) {
        auto t = translate(mem, regs, linear + done);
        if (!t) {
            if (done == 0) return std::unexpected(std::move(t.error()));
            break;
        }
        if (t->gpa >= mem.size()) {
            if (done == 0)
                return error("linear {:#x} maps to physical {:#x}, outside guest RAM (0-{:#x})",
                             linear, t->gpa, mem.size());
            break;
        }
        const uint64_t in_page = t->page_size - (t->linear & (t->page_size - 1));
        const uint64_t want = std::min<uint64_t>(length - done, in_page);
        // A page that runs past the end of RAM stops the copy at the end of RAM.
        const uint64_t chunk = std::min(want, mem.size() - t->gpa);
        copy(t->gpa, done, chunk);
        done += chunk;
        if (chunk < want) break;
    }
    return done;
}

std::string size_name(uint64_t size) {
    if (size >= GiB1) return fmt::format("{} GiB", size / GiB1);
    if (size >= (1ull << 20)) return fmt::format("{} MiB", size >> 20);
    return fmt::format("{} KiB", size >> 10);
}

}  // namespace

PagingRegs PagingRegs::from(const CpuState& state) {
    return PagingRegs{state.cr0, state.cr3, state.cr4, state.efer};
}

PagingMode paging_mode(const PagingRegs& regs) {
    // SDM Vol. 3A, 4.1.1 and Table 4-1.
    if (!(regs.cr0 & x86::CR0_PG)) return PagingMode::None;
    if (!(regs.cr4 & x86::CR4_PAE)) return PagingMode::Bits32;
    if (!(regs.efer & x86::EFER_LMA)) return PagingMode::Pae;
    return (regs.cr4 & x86::CR4_LA57) ? PagingMode::Level5 : PagingMode::Level4;
}

const char* to_string(PagingMode mode) {
    switch (mode) {
        case PagingMode::None:
            return "off";
        case PagingMode::Bits32:
            return "32-bit";
        case PagingMode::Pae:
            return "PAE";
        case PagingMode::Level4:
            return "4-level";
        case PagingMode::Level5:
            return "5-level";
    }
    return "?";
}

const char* entry_name(int level) {
    switch (level) {
        case 5:
            return "PML5E";
        case 4:
            return "PML4E";
        case 3:
            return "PDPTE";
        case 2:
            return "PDE";
        case 1:
            return "PTE";
    }
    return "?";
}

Result<Translation> translate(const GuestMemory& mem, const PagingRegs& regs, uint64_t linear) {
    Translation t;
    t.mode = paging_mode(regs);
    t.linear = linear;
    switch (t.mode) {
        case PagingMode::None:
            if (!(regs.efer & x86::EFER_LMA)) t.linear &= 0xFFFF'FFFFull;
            t.gpa = t.linear;
            t.page_size = KiB4;
            return t;
        case PagingMode::Bits32:
            t.linear &= 0xFFFF'FFFFull;
            TRY(walk_32bit(mem, regs, t));
            return t;
        case PagingMode::Pae:
            t.linear &= 0xFFFF'FFFFull;
            TRY(walk_64bit(mem, regs, t));
            return t;
        case PagingMode::Level4:
        case PagingMode::Level5: {
            // SDM Vol. 3A, 3.3.7.1: bits 63:48 (63:57 with LA57) must copy bit 47 (56).
            int bits = t.mode == PagingMode::Level5 ? 57 : 48;
            int64_t extended = static_cast<int64_t>(linear << (64 - bits)) >> (64 - bits);
            if (static_cast<uint64_t>(extended) != linear)
                return error(
                    "linear address {:#x} is not canonical for {} paging (bits 63:{} "
                    "must equal bit {})",
                    linear, to_string(t.mode), bits - 1, bits - 1);
            TRY(walk_64bit(mem, regs, t));
            return t;
        }
    }
    return error("unknown paging mode");
}

Result<size_t> read_linear(const GuestMemory& mem, const PagingRegs& regs, uint64_t linear,
                           std::span<uint8_t> out) {
    return for_each_chunk(mem, regs, linear, out.size(),
                          [&](uint64_t gpa, size_t offset, uint64_t length) {
                              // In RAM: for_each_chunk clamped the chunk to the end of RAM.
                              (void)mem.read(gpa, out.subspan(offset, length));
                          });
}

Result<size_t> write_linear(GuestMemory& mem, const PagingRegs& regs, uint64_t linear,
                            std::span<const uint8_t> in) {
    return for_each_chunk(mem, regs, linear, in.size(),
                          [&](uint64_t gpa, size_t offset, uint64_t length) {
                              (void)mem.write(gpa, in.subspan(offset, length));
                          });
}

std::string describe_walk(const Translation& t) {
    std::string out;
    for (const auto& step : t.steps) {
        out += fmt::format("{}[{:#x}] @{:#x} = {:#x}", entry_name(step.level), step.index,
                           step.entry_gpa, step.entry);
        const uint64_t e = step.entry;
        if (e & PTE_P) out += " P";
        if (e & PTE_RW) out += " W";
        if (e & PTE_US) out += " U";
        if (e & PTE_PWT) out += " PWT";
        if (e & PTE_PCD) out += " PCD";
        if (e & PTE_A) out += " A";
        if (e & PTE_D) out += " D";
        if (e & PTE_PS) out += step.level == 1 ? " PAT" : " PS";
        if (e & PTE_G) out += " G";
        if (e & PTE_NX) out += " NX";
        out += '\n';
    }
    if (t.steps.empty()) {
        out += fmt::format("paging off: linear {:#x} = physical {:#x}\n", t.linear, t.gpa);
    } else {
        out += fmt::format("=> {} page, linear {:#x} -> physical {:#x} ({} {} {})\n",
                           size_name(t.page_size), t.linear, t.gpa, t.writable ? "W" : "R",
                           t.user ? "U" : "S", t.executable ? "X" : "NX");
    }
    return out;
}

}  // namespace svm
