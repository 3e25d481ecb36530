// VmDebugger: software and hardware breakpoints and watchpoints (Z/z packets).
#include "core/debug/debug_errors.h"
#include "core/debug/vm_debugger.h"

namespace svm {

using gdb::StopReason;
using gdb::target_error;
using gdb::TargetResult;
using namespace debug_errors;

std::optional<uint64_t> VmDebugger::through_elf_segments(uint64_t vaddr) const {
    for (const VirtualMapping& m : deps_.image.debug_mappings)
        if (vaddr >= m.vaddr && vaddr - m.vaddr < m.size) return m.paddr + (vaddr - m.vaddr);
    return std::nullopt;
}

std::optional<uint64_t> VmDebugger::to_physical(gdb::ThreadId thread, uint64_t vaddr) {
    if (physical_) return deps_.memory.contains(vaddr, 1) ? std::optional(vaddr) : std::nullopt;
    if (auto pg = paging(thread)) {
        auto t = translate(deps_.memory, *pg, vaddr);
        if (t && deps_.memory.contains(t->gpa, 1)) return t->gpa;
    }
    return std::nullopt;
}

std::optional<uint64_t> VmDebugger::breakpoint_gpa(gdb::ThreadId thread, uint64_t vaddr) {
    // Where the address maps now; else where the kernel's ELF segments say it will run (a
    // higher-half kernel before it enables paging).
    auto gpa = to_physical(thread, vaddr);
    if (!gpa) gpa = through_elf_segments(vaddr);
    if (gpa && !deps_.memory.contains(*gpa, 1)) return std::nullopt;
    return gpa;
}

namespace {

WatchType to_watch_type(gdb::BreakpointType type) {
    return type == gdb::BreakpointType::Write  ? WatchType::Write
           : type == gdb::BreakpointType::Read ? WatchType::Read
                                               : WatchType::Access;
}

}  // namespace

TargetResult<void> VmDebugger::insert_breakpoint(gdb::BreakpointType type, uint64_t addr,
                                                 uint64_t kind) {
    const gdb::ThreadId thread = last_stop_.thread;
    switch (type) {
        case gdb::BreakpointType::Software: {
            // At the physical address the code is (or will be) at; else a hardware breakpoint.
            auto gpa = breakpoint_gpa(thread, addr);
            std::lock_guard lock(mutex_);
            page_access_dirty_ = true;  // applied at the next resume
            if (gpa) return to_target(software_.insert(deps_.memory, *gpa), kEFault);
            for (auto& hw : hardware_)
                if (!hw.used) {
                    hw = {addr, true, true};
                    return {};
                }
            return target_error(kENoSpace, fmt::format("{:#x} is not mapped and all four debug "
                                                       "registers are in use",
                                                       addr));
        }
        case gdb::BreakpointType::Hardware: {
            std::lock_guard lock(mutex_);
            for (auto& hw : hardware_)
                if (!hw.used) {
                    hw = {addr, true, false};
                    return {};
                }
            return target_error(kENoSpace, "all four hardware breakpoints are in use");
        }
        default: {
            if (kind == 0 || kind > (1u << 20)) return target_error(kEInval, "bad watch length");
            if (insert_data_breakpoint(type, addr, kind)) return {};
            auto pg = physical_ ? TargetResult<PagingRegs>(PagingRegs{}) : paging(thread);
            if (!pg) return std::unexpected(pg.error());
            std::vector<Watchpoints::Piece> pieces;
            for (uint64_t done = 0; done < kind;) {
                uint64_t va = addr + done;
                uint64_t chunk = std::min<uint64_t>(kind - done, 0x1000 - (va & 0xfff));
                Result<uint64_t> t = va;
                if (!physical_) {
                    auto walk = translate(deps_.memory, *pg, va);
                    t = walk ? Result<uint64_t>(walk->gpa) : std::unexpected(walk.error());
                }
                if (!t || !deps_.memory.contains(*t, chunk))
                    return target_error(kEFault, fmt::format("cannot watch {:#x}: not mapped to "
                                                             "RAM",
                                                             va));
                pieces.push_back({*t, chunk, va});
                done += chunk;
            }
            WatchType wt = to_watch_type(type);
            {
                std::lock_guard lock(mutex_);
                watchpoints_.add(wt, addr, kind, std::move(pieces));
            }
            return apply_page_access();
        }
    }
}

TargetResult<void> VmDebugger::remove_breakpoint(gdb::BreakpointType type, uint64_t addr,
                                                 uint64_t kind) {
    const gdb::ThreadId thread = last_stop_.thread;
    switch (type) {
        case gdb::BreakpointType::Software: {
            auto gpa = breakpoint_gpa(thread, addr);
            std::lock_guard lock(mutex_);
            page_access_dirty_ = true;
            if (gpa && software_.contains(*gpa))
                return to_target(software_.remove(deps_.memory, *gpa));
            for (auto& hw : hardware_)
                if (hw.used && hw.from_software && hw.addr == addr) {
                    hw = {};
                    return {};
                }
            return target_error(kEInval, fmt::format("no breakpoint at {:#x}", addr));
        }
        case gdb::BreakpointType::Hardware: {
            std::lock_guard lock(mutex_);
            for (auto& hw : hardware_)
                if (hw.used && !hw.from_software && hw.addr == addr) {
                    hw = {};
                    return {};
                }
            return target_error(kEInval, fmt::format("no hardware breakpoint at {:#x}", addr));
        }
        default: {
            if (remove_data_breakpoint(type, addr, kind)) return {};
            WatchType wt = to_watch_type(type);
            {
                std::lock_guard lock(mutex_);
                if (!watchpoints_.remove(wt, addr, kind))
                    return target_error(kEInval, fmt::format("no watchpoint at {:#x}", addr));
            }
            return apply_page_access();
        }
    }
}

TargetResult<void> VmDebugger::apply_page_access() {
    std::map<uint64_t, PageAccess> pages;
    {
        std::lock_guard lock(mutex_);
        pages = watchpoints_.page_access();
        // Pages with software breakpoints are read-only (unless a watchpoint unmaps them), so
        // the guest's writes there come through on_ram_access and keep the breakpoints armed.
        for (uint64_t page : software_.pages()) pages.emplace(page, PageAccess::ReadOnly);
        page_access_dirty_ = false;
    }
    // Memory slots change only while no vCPU runs; the VM ioctl is issued from vCPU 0's thread
    // so that the server thread never touches KVM.
    return to_target(deps_.vcpus[0]->run_on_thread(
        [&](Vcpu&) { return deps_.kvm.set_page_access(deps_.memory, pages); }));
}

bool VmDebugger::insert_data_breakpoint(gdb::BreakpointType type, uint64_t addr, uint64_t length) {
    // x86 debug registers watch 1, 2, 4 or 8 naturally aligned bytes, for writes (R/W = 01) or
    // any access (11) — there is no read-only kind, so rwatch always uses page protection.
    if (!deps_.data_breakpoints || type == gdb::BreakpointType::Read) return false;
    if ((length != 1 && length != 2 && length != 4 && length != 8) || addr % length) return false;
    std::lock_guard lock(mutex_);
    for (auto& hw : hardware_) {
        if (hw.used) continue;
        hw = {addr, true, false,
              type == gdb::BreakpointType::Write ? HardwareBreakpoint::Kind::Write
                                                 : HardwareBreakpoint::Kind::Access,
              static_cast<uint8_t>(length)};
        for (auto& d : vcpu_debug_) d.debug_dirty = true;
        return true;
    }
    return false;  // all four in use: page protection takes it
}

bool VmDebugger::remove_data_breakpoint(gdb::BreakpointType type, uint64_t addr, uint64_t length) {
    const auto kind = type == gdb::BreakpointType::Write ? HardwareBreakpoint::Kind::Write
                                                         : HardwareBreakpoint::Kind::Access;
    std::lock_guard lock(mutex_);
    for (auto& hw : hardware_) {
        if (hw.used && hw.kind == kind && hw.addr == addr && hw.length == length &&
            type != gdb::BreakpointType::Read) {
            hw = {};
            for (auto& d : vcpu_debug_) d.debug_dirty = true;
            return true;
        }
    }
    return false;
}

}  // namespace svm
