// Which kind of KVM this host has, for the crash reports' host hints: nested KVM-PVM (the kvm_pvm
// module, no vmx/svm CPU flag; /work/shared/KVM-NOTES.md) cannot run 32-bit paging or deliver
// interrupts in 32-bit protected mode, hardware KVM (Intel VT-x, AMD-V) can.
#pragma once

#include <string_view>

#include "core/x86_64/crash_report.h"

namespace svm {

// Returns HostKvm::Pvm if the kvm_pvm module is loaded (/sys/module/kvm_pvm exists),
// HostKvm::Hardware if /proc/cpuinfo shows the vmx or svm flag and kvm_pvm is absent, and
// HostKvm::Unknown otherwise (files unreadable). Looked up once, then cached. Thread-safe.
HostKvm detect_host_kvm();

// The same decision on given inputs, for tests: whether the kvm_pvm module is loaded, and the text
// of /proc/cpuinfo (empty if unreadable).
HostKvm classify_host_kvm(bool kvm_pvm_loaded, std::string_view cpuinfo);

}  // namespace svm
