// VmDebugger: what gdb reads and writes while the guest is stopped — threads, registers,
// memory through each vCPU's page tables, monitor commands and the kernel file.
#include <filesystem>
#include <fstream>

#include "core/debug/debug_errors.h"
#include "core/debug/vm_debugger.h"
#include "core/size_parser.h"

namespace svm {

using gdb::StopReason;
using gdb::target_error;
using gdb::TargetResult;
using namespace debug_errors;

std::vector<gdb::ThreadId> VmDebugger::threads() {
    std::vector<gdb::ThreadId> ids;
    for (size_t i = 0; i < deps_.vcpus.size(); ++i) ids.push_back(static_cast<int>(i) + 1);
    return ids;
}

std::string VmDebugger::thread_extra_info(gdb::ThreadId thread) {
    auto regs = registers(thread);
    if (!regs) return fmt::format("vCPU {}", thread - 1);
    const CpuState& s = regs->state;
    std::string mode = mode_of(s) == CpuMode::Long
                           ? (code_bits(s) == 64 ? "long mode" : "compatibility mode")
                           : std::string(to_string(mode_of(s))) + " mode";
    Vcpu* v = vcpu_for(thread);
    std::string run_state = v && v->state() == VcpuState::Running ? "running"
                            : regs->mp_state == KVM_MP_STATE_UNINITIALIZED ||
                                    regs->mp_state == KVM_MP_STATE_INIT_RECEIVED
                                ? "waiting for SIPI"
                            : regs->mp_state == KVM_MP_STATE_HALTED || (v && v->halted())
                                ? "halted"
                                : "stopped";
    return fmt::format("vCPU {}, {}, CPL {}, {}", thread - 1, mode, cpl_of(s), run_state);
}

std::string VmDebugger::architecture() {
    // docs/gdb.md "32-bit kernels": gdb refuses a description whose architecture differs from
    // the file's, so an ELF32 kernel gets none and gdb uses the file's i386; the registers carry
    // both the amd64 and the i386 names, so either architecture accepts them.
    if (deps_.image.is_elf) return deps_.image.elf_bits == 32 ? "" : "i386:x86-64";
    auto regs = registers(last_stop_.thread);
    if (!regs) return "i386:x86-64";
    const CpuState& s = regs->state;
    if (mode_of(s) == CpuMode::Long && code_bits(s) == 64) return "i386:x86-64";
    return code_bits(s) == 16 ? "i8086" : "i386";
}

TargetResult<VcpuRegisters> VmDebugger::registers(gdb::ThreadId thread) {
    Vcpu* vcpu = vcpu_for(thread);
    if (!vcpu) return target_error(kEInval, fmt::format("no thread {}", thread));
    {
        std::lock_guard lock(mutex_);
        if (auto& c = vcpu_debug_[static_cast<size_t>(thread - 1)].cache) return *c;
    }
    VcpuRegisters regs;
    auto r = vcpu->run_on_thread([&](Vcpu& v) -> Result<void> {
        regs.state = TRY(v.get_state());
        regs.fpu = TRY(v.get_fpu());
        regs.kernel_gs_base = v.get_msr(kMsrKernelGsBase).value_or(0);
        regs.mp_state = v.mp_state().mp_state;
        return {};
    });
    if (!r) return target_error(kEFault, r.error().message);
    if (regs.mp_state == KVM_MP_STATE_UNINITIALIZED || regs.mp_state == KVM_MP_STATE_INIT_RECEIVED)
        show_wait_for_sipi_state(regs.state);
    std::lock_guard lock(mutex_);
    vcpu_debug_[static_cast<size_t>(thread - 1)].cache = regs;
    return regs;
}

void VmDebugger::show_wait_for_sipi_state(CpuState& s) {
    // What KVM reports for an AP that has not started depends on whether its thread has entered
    // KVM_RUN yet (KVM applies a pending INIT there), so gdb always sees the state INIT leaves
    // (Intel SDM Vol. 3A 10.1.1, Table 10-1): real mode at F000:FFF0, CS base FFFF0000H, so
    // $pc is 0xfffffff0. The startup IPI replaces CS:IP when the AP starts.
    s.rip = 0xfff0;
    s.cs.selector = 0xf000;
    s.cs.base = 0xffff0000;
    s.cs.limit = 0xffff;
    s.cs.db = s.cs.l = false;
    s.cr0 &= ~(x86::CR0_PE | x86::CR0_PG);
    s.efer = 0;
    s.rflags = x86::RFLAGS_FIXED;
}

TargetResult<gdb::x86_64::RegisterFile> VmDebugger::read_registers(gdb::ThreadId thread) {
    auto regs = registers(thread);
    if (!regs) return std::unexpected(regs.error());
    return to_gdb(*regs);
}

TargetResult<void> VmDebugger::write_registers(gdb::ThreadId thread,
                                               const gdb::x86_64::RegisterFile& file) {
    auto regs = registers(thread);
    if (!regs) return std::unexpected(regs.error());
    VcpuRegisters updated = *regs;
    from_gdb(file, updated);
    auto r = vcpu_for(thread)->run_on_thread([&](Vcpu& v) -> Result<void> {
        TRY(v.set_state(updated.state));
        TRY(v.set_fpu(updated.fpu));
        if (updated.kernel_gs_base != regs->kernel_gs_base)
            TRY(v.set_msr(kMsrKernelGsBase, updated.kernel_gs_base));
        return {};
    });
    std::lock_guard lock(mutex_);
    vcpu_debug_[static_cast<size_t>(thread - 1)].cache.reset();
    return to_target(r);
}

TargetResult<PagingRegs> VmDebugger::paging(gdb::ThreadId thread) {
    auto regs = registers(thread);
    if (!regs) return std::unexpected(regs.error());
    return PagingRegs::from(regs->state);
}

template <typename Fn>
TargetResult<size_t> VmDebugger::for_each_page(gdb::ThreadId thread, uint64_t addr, size_t len,
                                               Fn&& fn) {
    auto pg = physical_ ? TargetResult<PagingRegs>(PagingRegs{}) : paging(thread);
    if (!pg) return std::unexpected(pg.error());
    size_t done = 0;
    std::lock_guard lock(mutex_);
    while (done < len) {
        uint64_t va = addr + done;
        uint64_t chunk = std::min<uint64_t>(len - done, 0x1000 - (va & 0xfff));
        uint64_t gpa = va;
        if (!physical_) {
            auto t = translate(deps_.memory, *pg, va);
            if (!t) break;
            gpa = t->gpa;
        }
        if (!fn(gpa, done, chunk)) break;
        done += chunk;
    }
    if (done == 0) return target_error(kEFault, fmt::format("cannot access memory at {:#x}", addr));
    return done;
}

TargetResult<size_t> VmDebugger::read_memory(gdb::ThreadId thread, uint64_t addr,
                                             std::span<uint8_t> out) {
    return for_each_page(thread, addr, out.size(), [&](uint64_t gpa, size_t offset, size_t len) {
        auto piece = out.subspan(offset, len);
        if (!deps_.memory.read(gpa, piece)) return false;
        software_.hide(gpa, piece);
        return true;
    });
}

TargetResult<size_t> VmDebugger::write_memory(gdb::ThreadId thread, uint64_t addr,
                                              std::span<const uint8_t> in) {
    return for_each_page(thread, addr, in.size(), [&](uint64_t gpa, size_t offset, size_t len) {
        return software_.write_through(deps_.memory, gpa, in.subspan(offset, len)).has_value();
    });
}

TargetResult<gdb::MemoryRegion> VmDebugger::memory_region(gdb::ThreadId thread, uint64_t addr) {
    gdb::MemoryRegion region;
    if (physical_) {
        // monitor phys on: addresses are guest-physical, RAM from 0 and nothing above it.
        uint64_t size = deps_.memory.size();
        if (addr < size) {
            region.size = size;
            region.mapped = region.readable = region.writable = region.executable = true;
            region.name = "RAM";
        } else {
            region.start = size;
            region.size = 0 - size;
        }
        return region;
    }
    auto pg = paging(thread);
    if (!pg) return std::unexpected(pg.error());
    std::lock_guard lock(mutex_);
    // The page (4 KiB, or the large page) that holds `addr`, with the access rights the walk
    // accumulated (SDM Vol. 3A, 4.6); an unmapped page, or one that maps no RAM (MMIO), is
    // reported as an unmapped 4 KiB page. Neighbouring pages are not merged.
    // FIXME: merge runs of pages with equal rights, and report whole unmapped gaps.
    auto t = translate(deps_.memory, *pg, addr);
    if (t && deps_.memory.contains(t->gpa, 1)) {
        region.start = addr & ~(t->page_size - 1);
        region.size = t->page_size;
        region.mapped = region.readable = true;
        region.writable = t->writable;
        region.executable = t->executable;
    } else {
        region.start = addr & ~uint64_t(0xfff);
        region.size = 0x1000;
    }
    return region;
}

// VmDebugger::monitor is in core/debug/monitor/vm_debugger_monitor.cpp.

std::optional<std::string> VmDebugger::exec_file() {
    if (!deps_.image.is_elf) return std::nullopt;
    std::error_code ec;
    auto path = std::filesystem::absolute(deps_.kernel_path, ec);
    return ec ? deps_.kernel_path : path.string();
}

TargetResult<std::vector<uint8_t>> VmDebugger::read_exec_file(uint64_t offset, size_t length) {
    if (!deps_.image.is_elf) return target_error(kEInval, "the kernel is not an ELF file");
    std::ifstream in(deps_.kernel_path, std::ios::binary);
    if (!in) return target_error(kEFault, "cannot open " + deps_.kernel_path);
    in.seekg(static_cast<std::streamoff>(offset));
    std::vector<uint8_t> data(length);
    in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(length));
    data.resize(in ? length : static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
    return data;
}

std::optional<uint64_t> VmDebugger::exec_file_size() {
    std::error_code ec;
    auto size = std::filesystem::file_size(deps_.kernel_path, ec);
    if (ec || !deps_.image.is_elf) return std::nullopt;
    return size;
}

}  // namespace svm
