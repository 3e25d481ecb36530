// Finds out whether this host's KVM delivers debug-register data breakpoints (DR7 R/W = 01/11)
// to a guest debugger. Hardware KVM does (api.rst 4.61, KVM_GUESTDBG_USE_HW_BP); nested KVM-PVM
// hosts do not (/work/shared/KVM-NOTES.md), and there svm watches memory by page protection only.
#pragma once

#include "core/kvm/kvm.h"

namespace svm {

// Runs a two-instruction real-mode guest in a throwaway VM (`mov byte [0x800], 1; hlt`) with a
// write data breakpoint on 0x800. Returns true if KVM reports it (KVM_EXIT_DEBUG with DR6.B0),
// false if the guest reaches the HLT instead or anything fails. Takes about a millisecond.
bool host_honours_data_breakpoints(const Kvm& kvm);

}  // namespace svm
