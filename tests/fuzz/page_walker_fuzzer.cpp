// libFuzzer target: the software page walker (core/x86_64/page_walker.h) on random page tables in
// 2 MiB of guest RAM, in every paging mode, and the svm hypercalls that take guest-virtual
// pointers through it (core/machine/hypercalls.h: WRITE, TRANSLATE, PRINT_*).
//
// Input: u8 paging control (below), u16 CR3 page, u8 CR3 low bits, then operations:
//   0 u32 gpa, u64 value          write 8 raw bytes of RAM
//   1 u16 table, u16 index, u16 target, u8 flags, u8 high   write a paging-structure entry
//                                  (4 bytes in 32-bit paging, else 8) pointing at a page of RAM
//   2 LINEAR                       translate, describe the walk, check the result
//   3 LINEAR, u16 length           read_linear
//   4 LINEAR, sized bytes          write_linear
//   5 u8 function, u64 rbx, u64 rcx, u64 rsi, u64 rdi, u8 input   a hypercall
//   6 u8 paging control, u16 CR3 page, u8 CR3 low bits   change the paging registers
// Paging control: bit 0 CR0.PG, 1 CR4.PAE, 2 EFER.LMA, 3 CR4.LA57, 4 CR4.PSE, 5 EFER.NXE,
// 6 CS.L, 7 CR3 = a raw u64 instead of the page form.
// LINEAR: u8 form; bit 0 set = a raw u64, else u16 indices for levels 5..1 and a u16 offset,
// sign-extended (so walks reach the entries operation 1 wrote).
#include <svm/hypercall.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/machine/exit_stats.h"
#include "core/machine/hypercalls.h"
#include "core/x86_64/page_walker.h"
#include "tests/fuzz/common/check.h"
#include "tests/fuzz/common/fuzz_input.h"
#include "tests/fuzz/common/guarded_memory.h"

using namespace svm;

namespace {

constexpr uint64_t kRam = 2ull << 20;
constexpr uint64_t kPages = kRam / 4096;

ExitStats* g_stats;  // 512 KiB of counters: made once

CpuState read_paging(fuzz::FuzzInput& in) {
    const uint8_t control = in.u8();
    CpuState s;
    s.cr0 = x86::CR0_PE | ((control & 1) ? x86::CR0_PG : 0);
    s.cr4 = ((control & 2) ? x86::CR4_PAE : 0) | ((control & 8) ? x86::CR4_LA57 : 0) |
            ((control & 16) ? x86::CR4_PSE : 0);
    s.efer =
        ((control & 4) ? x86::EFER_LMA | x86::EFER_LME : 0) | ((control & 32) ? x86::EFER_NXE : 0);
    s.cs.l = control & 64;
    s.cs.db = !s.cs.l;
    if (control & 128) {
        s.cr3 = in.u64();
    } else {
        s.cr3 = (uint64_t{in.u16()} % kPages) << 12;
        s.cr3 |= in.u8() & 0xe0;  // PAE's CR3 holds a 32-byte aligned address
    }
    return s;
}

uint64_t read_linear_address(fuzz::FuzzInput& in) {
    if (in.u8() & 1) return in.u64();
    uint64_t linear = 0;
    for (int level = 5; level >= 1; --level)
        linear |= uint64_t{in.u16() % 512u} << (12 + 9 * (level - 1));
    linear |= in.u16() & 0xfff;
    return static_cast<uint64_t>(static_cast<int64_t>(linear << 7) >> 7);  // bit 56 up
}

int levels(PagingMode mode) {
    switch (mode) {
        case PagingMode::None:
            return 0;
        case PagingMode::Bits32:
            return 2;
        case PagingMode::Pae:
            return 3;
        case PagingMode::Level4:
            return 4;
        case PagingMode::Level5:
            return 5;
    }
    return 0;
}

// What translate() promises about a successful walk.
void check_translation(const GuestMemory& memory, const PagingRegs& regs, uint64_t linear,
                       const Translation& t) {
    const PagingMode mode = paging_mode(regs);
    FUZZ_CHECK(t.mode == mode, "mode");
    const bool wide = mode == PagingMode::Level4 || mode == PagingMode::Level5 ||
                      (mode == PagingMode::None && (regs.efer & x86::EFER_LMA));
    FUZZ_CHECK(t.linear == (wide ? linear : (linear & 0xffffffff)), "linear {:#x} became {:#x}",
               linear, t.linear);
    FUZZ_CHECK(t.page_size == 4096 || t.page_size == (2u << 20) || t.page_size == (4u << 20) ||
                   t.page_size == (1u << 30),
               "page size {:#x}", t.page_size);
    FUZZ_CHECK(((t.gpa ^ t.linear) & (t.page_size - 1)) == 0, "offset in page {:#x} -> {:#x}",
               t.linear, t.gpa);
    FUZZ_CHECK(mode == PagingMode::None ? t.steps.empty()
                                        : !t.steps.empty() && int(t.steps.size()) <= levels(mode),
               "{} steps in mode {}", t.steps.size(), to_string(mode));
    const int width = mode == PagingMode::Bits32 ? 4 : 8;
    for (const PageWalkStep& step : t.steps) {
        FUZZ_CHECK(memory.contains(step.entry_gpa, width), "entry at {:#x} outside RAM",
                   step.entry_gpa);
        FUZZ_CHECK(step.entry & 1, "a walk went through a non-present entry");
    }
    FUZZ_CHECK(!describe_walk(t).empty(), "empty description");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    log::g_level = log::Level::Error;
    g_stats = new ExitStats();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    GuestMemory& memory = fuzz::fresh_memory(kRam);
    CpuState state = read_paging(in);

    std::string console;
    std::optional<uint8_t> input;
    Hypercalls hypercalls(Hypercalls::Deps{
        memory,
        [&](std::span<const uint8_t> bytes) { console.append(bytes.begin(), bytes.end()); },
        *g_stats,
        [&] { return std::exchange(input, std::nullopt); },
        [](int) {},
        [](int, const HypercallRegs&, const CpuState&) -> int64_t { return SVM_E_INVAL; },
    });

    while (!in.empty()) {
        const PagingRegs regs = PagingRegs::from(state);
        switch (in.u8() % 7) {
            case 0: {
                uint64_t gpa = in.u32() % (kRam - 7);
                (void)memory.write_obj(gpa, in.u64());
                break;
            }
            case 1: {
                const uint64_t table = in.u16() % kPages;
                const uint16_t index = in.u16();
                const uint64_t target = in.u16();  // may lie past RAM
                const uint64_t entry = (target << 12) | in.u8() | (uint64_t{in.u8()} << 56);
                if (paging_mode(regs) == PagingMode::Bits32)
                    (void)memory.write_obj<uint32_t>(table * 4096 + (index % 1024) * 4,
                                                     static_cast<uint32_t>(entry));
                else
                    (void)memory.write_obj<uint64_t>(table * 4096 + (index % 512) * 8, entry);
                break;
            }
            case 2: {
                const uint64_t linear = read_linear_address(in);
                auto t = translate(memory, regs, linear);
                if (t) check_translation(memory, regs, linear, *t);
                // A one-byte read succeeds exactly when the walk does and lands in RAM.
                uint8_t byte = 0;
                auto n = read_linear(memory, regs, linear, std::span(&byte, 1));
                const bool readable = t && t->gpa < memory.size();
                FUZZ_CHECK(n.has_value() == readable && (!n || *n == 1),
                           "read_linear disagrees with translate at {:#x}", linear);
                if (readable)
                    FUZZ_CHECK(byte == memory.read_obj<uint8_t>(t->gpa).value(),
                               "read_linear read the wrong byte");
                break;
            }
            case 3: {
                const uint64_t linear = read_linear_address(in);
                std::vector<uint8_t> out(in.u16() % 9000);
                auto n = read_linear(memory, regs, linear, out);
                if (n) FUZZ_CHECK(*n <= out.size() && (out.empty() || *n > 0), "read {}", *n);
                break;
            }
            case 4: {
                const uint64_t linear = read_linear_address(in);
                auto bytes = in.sized_bytes();
                auto n = write_linear(memory, regs, linear, bytes);
                if (n) FUZZ_CHECK(*n <= bytes.size() && (bytes.empty() || *n > 0), "wrote {}", *n);
                break;
            }
            case 5: {
                HypercallRegs call{in.u8(), in.u64(), in.u64(), in.u64(), in.u64()};
                const uint8_t typed = in.u8();
                if (typed & 1) input = typed;
                const HypercallRegs before = call;
                console.clear();
                hypercalls.handle(call, 0, [&]() -> Result<CpuState> { return state; });
                if (before.rax == SVM_HC_WRITE && static_cast<int64_t>(call.rax) >= 0)
                    FUZZ_CHECK(call.rax == console.size(), "WRITE returned {} but printed {}",
                               call.rax, console.size());
                if (before.rax == SVM_HC_TRANSLATE && static_cast<int64_t>(call.rax) >= 0) {
                    const bool wide = code_bits(state) == 64;
                    auto t = translate(memory, regs, wide ? before.rbx : before.rbx & 0xffffffff);
                    FUZZ_CHECK(t && t->gpa == call.rax, "TRANSLATE returned {:#x}", call.rax);
                }
                break;
            }
            case 6:
                state = read_paging(in);
                break;
        }
    }
    return 0;
}
