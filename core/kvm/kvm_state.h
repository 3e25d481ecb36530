// Conversion between KVM's register structures and svm's CpuState.
#pragma once

#include <linux/kvm.h>

#include <utility>

#include "core/result.h"
#include "core/x86_64/cpu_state.h"

namespace svm {

CpuState to_cpu_state(const kvm_regs& regs, const kvm_sregs& sregs);

// Returns the KVM structures for `state`. Fields CpuState does not model (the interrupt bitmap,
// the APIC base) are taken from `current`.
Result<std::pair<kvm_regs, kvm_sregs>> from_cpu_state(const CpuState& state,
                                                      const kvm_sregs& current);

}  // namespace svm
