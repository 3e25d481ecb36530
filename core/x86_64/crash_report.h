// The readable report svm prints when a guest dies (triple fault, entry failure, KVM internal
// error): what happened, the vCPU's mode and registers with decoded bits, and the code at RIP read
// through the guest's own page tables. See docs/crash-reports.md.
#pragma once

#include <string>

#include "core/guest_memory.h"
#include "core/x86_64/cpu_state.h"

namespace svm {

// What kind of KVM runs the guest, for the host hints (core/kvm/host_kind.h detects it).
enum class HostKvm {
    Unknown,   // not detected: hints say "if this host is nested KVM-PVM"
    Pvm,       // nested KVM-PVM (shared/KVM-NOTES.md): no 32-bit paging, no 32-bit int n/iret
    Hardware,  // Intel VT-x / AMD-V: no host-limit hints apply
};

struct CrashInfo {
    std::string title;        // "triple fault (KVM_EXIT_SHUTDOWN)"; " on vCPU n" is appended
    std::string explanation;  // one or more sentences; may be empty
    int vcpu = 0;
    CpuState state;
    // Set for KVM_EXIT_INTERNAL_ERROR / KVM_INTERNAL_ERROR_EMULATION: the report then adds
    // emulation_failure_hint() for the instruction at RIP, when there is one.
    bool emulation_failure = false;
    // Set for triple faults and emulation failures: the report then adds host_limit_hint() for
    // `host`, when there is one.
    bool host_hints = false;
    HostKvm host = HostKvm::Unknown;
};

// Maximum number of instructions the report disassembles at RIP.
constexpr size_t kCrashReportInstructions = 8;

// Returns a multi-line report: the title with the vCPU, the explanation, the decoded mode (real /
// protected / long 64-bit / compatibility, CPL, paging mode), the general registers, RIP and RFLAGS
// with decoded flags, every segment register, GDTR/IDTR, CR0/CR2/CR3/CR4/CR8/EFER with decoded bits
// and up to kCrashReportInstructions instructions at CS.base + RIP, read through the guest's page
// tables, the first marked "=>". If that code cannot be read, a "cannot read code" line gives the
// translation error instead. With `emulation_failure`, a "hint:" line explains why the host's KVM
// may have failed to emulate that instruction. Never fails: it reads guest memory only through
// GuestMemory.
std::string format_crash_report(const CrashInfo& info, const GuestMemory& mem);

// Returns a "hint:" sentence when `state` shows a guest stopped by a limit of a nested KVM-PVM host
// rather than by its own bug, or an empty string (always empty for HostKvm::Hardware):
//  - enabling 32-bit paging: the instruction at RIP (or the 3-byte `mov cr0, r32` just before it)
//    loads CR0 with PG set while EFER.LME = 0 and CR0.PG = 0. KVM-PVM raises #GP there (a triple
//    fault without an IDT; SDM Vol. 3A, 9.9.1 describes the switch hardware performs);
//  - 32-bit interrupt delivery: `int n`, `int3`, `into` or `iret` at RIP in 32-bit protected-mode
//    code with an IDT loaded, which KVM-PVM's emulator cannot deliver or return from.
// Guest memory is read only through `mem` and the guest's page tables.
std::string host_limit_hint(const CpuState& state, const GuestMemory& mem, HostKvm host);

// Returns the names of the set bits of RFLAGS ("IF ZF PF", "IOPL=3" when non-zero), CR0, CR4 and
// EFER, separated by spaces, lowest bit first.
std::string describe_rflags(uint64_t rflags);
std::string describe_cr0(uint64_t cr0);
std::string describe_cr4(uint64_t cr4);
std::string describe_efer(uint64_t efer);

}  // namespace svm
