#include "core/debug/monitor/page_mappings.h"

#include <cstring>

#include "core/x86_64/paging_entry.h"

namespace svm {

namespace {

using pte::kNoExecute;
using pte::kPageSize;
using pte::kPresent;
using pte::kUser;
using pte::kWritable;
constexpr uint64_t kAddrMask = pte::kAddressMask;

class Walker {
public:
    Walker(const GuestMemory& mem, const PagingRegs& regs, PagingMode mode,
           const std::function<bool(const PageMapping&)>& fn)
        : mem_(mem),
          mode_(mode),
          nxe_((regs.efer & x86::EFER_NXE) && mode != PagingMode::Bits32),
          pse_(regs.cr4 & x86::CR4_PSE),
          fn_(fn) {}

    // Walks the table at guest-physical `table` of `level` (5 = PML5 ... 1 = page table), which
    // maps linear addresses from `base`. Returns false once fn_ asked to stop.
    bool walk(uint64_t table, int level, uint64_t base, bool writable, bool user, bool nx) {
        const bool bits32 = mode_ == PagingMode::Bits32;
        const size_t width = bits32 ? 4 : 8;
        const bool pae_pdpt = mode_ == PagingMode::Pae && level == 3;
        const size_t count = bits32 ? 1024 : pae_pdpt ? 4 : 512;
        const int shift = bits32 ? (level == 2 ? 22 : 12) : 12 + 9 * (level - 1);
        auto bytes = mem_.span(table, count * width);
        if (!bytes) return true;  // a table outside RAM maps nothing
        for (size_t i = 0; i < count; ++i) {
            uint64_t entry = 0;
            std::memcpy(&entry, bytes->data() + i * width, width);
            if (!(entry & kPresent)) continue;
            uint64_t linear = base + (uint64_t{i} << shift);
            // PAE PDPTEs have no R/W, U/S or XD bits (SDM Vol. 3A, 4.4.1).
            bool w = writable && (pae_pdpt || (entry & kWritable));
            bool u = user && (pae_pdpt || (entry & kUser));
            bool x = nx || (nxe_ && (entry & kNoExecute));
            bool large = (entry & kPageSize) && !pae_pdpt &&
                         ((level == 2 && (!bits32 || pse_)) || (level == 3 && !bits32));
            if (level == 1 || large) {
                PageMapping m;
                m.linear = canonical(linear);
                m.size = uint64_t{1} << shift;
                m.entry = entry;
                m.large = large;
                m.writable = w;
                m.user = u;
                m.nx = x;
                if (bits32 && large)  // PSE-36: PDE bits 20:13 are physical bits 39:32 (Table 4-4)
                    m.gpa = (entry & 0xFFC0'0000ull) | (((entry >> 13) & 0xff) << 32);
                else if (bits32)
                    m.gpa = entry & 0xFFFF'F000ull;
                else
                    m.gpa = entry & kAddrMask & ~(m.size - 1);
                if (!fn_(m)) return false;
                continue;
            }
            uint64_t next = bits32 ? (entry & 0xFFFF'F000ull) : (entry & kAddrMask);
            if (!walk(next, level - 1, linear, w, u, x)) return false;
        }
        return true;
    }

private:
    // Sign-extends bit 47 (4-level) or 56 (5-level): SDM Vol. 3A, 4.5 "canonical" addresses.
    uint64_t canonical(uint64_t linear) const {
        int bits = mode_ == PagingMode::Level5 ? 57 : mode_ == PagingMode::Level4 ? 48 : 64;
        if (bits == 64) return linear;
        if (linear & (uint64_t{1} << (bits - 1))) linear |= ~uint64_t{0} << bits;
        return linear;
    }

    const GuestMemory& mem_;
    PagingMode mode_;
    bool nxe_;
    bool pse_;
    const std::function<bool(const PageMapping&)>& fn_;
};

}  // namespace

PagingMode for_each_mapping(const GuestMemory& mem, const PagingRegs& regs,
                            const std::function<bool(const PageMapping&)>& fn) {
    PagingMode mode = paging_mode(regs);
    Walker walker(mem, regs, mode, fn);
    switch (mode) {
        case PagingMode::None:
            break;
        case PagingMode::Bits32:
            walker.walk(regs.cr3 & 0xFFFF'F000ull, 2, 0, true, true, false);
            break;
        case PagingMode::Pae:
            walker.walk(regs.cr3 & 0xFFFF'FFE0ull, 3, 0, true, true, false);
            break;
        case PagingMode::Level4:
            walker.walk(regs.cr3 & kAddrMask, 4, 0, true, true, false);
            break;
        case PagingMode::Level5:
            walker.walk(regs.cr3 & kAddrMask, 5, 0, true, true, false);
            break;
    }
    return mode;
}

}  // namespace svm
