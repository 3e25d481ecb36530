// The KVM system (/dev/kvm) and one VM on it. The only place besides core/kvm/vcpu.* that issues
// KVM ioctls. KVM API reference: Documentation/virt/kvm/api.rst.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace svm {

class GuestMemory;

class Kvm {
public:
    // Opens /dev/kvm and checks the API version and the capabilities svm relies on. Returns an
    // error that says how to fix it (missing device, no permission, old kernel).
    static Result<std::unique_ptr<Kvm>> open();

    // Creates the VM, registers `memory` as memory slot 0 at guest-physical 0 and creates the
    // vCPUs' shared facilities. Call once.
    Result<void> create_vm(const GuestMemory& memory);

    int system_fd() const { return kvm_fd_.get(); }
    int vm_fd() const { return vm_fd_.get(); }
    size_t vcpu_mmap_size() const { return vcpu_mmap_size_; }
    int max_vcpus() const { return max_vcpus_; }
    bool has_sync_regs() const { return sync_regs_; }

    // Returns KVM_CHECK_EXTENSION(cap) on the system fd (0 = not supported).
    int check_extension(long cap) const;

    // The CPUID entries this host's KVM supports (KVM_GET_SUPPORTED_CPUID), fetched once.
    const std::vector<kvm_cpuid_entry2>& supported_cpuid() const { return cpuid_; }

private:
    Kvm() = default;

    UniqueFd kvm_fd_;
    UniqueFd vm_fd_;
    size_t vcpu_mmap_size_ = 0;
    int max_vcpus_ = 1;
    bool sync_regs_ = false;
    std::vector<kvm_cpuid_entry2> cpuid_;
};

}  // namespace svm
