#include "core/kvm/data_breakpoint_probe.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cstring>

#include "core/unique_fd.h"

namespace svm {

bool host_honours_data_breakpoints(const Kvm& kvm) {
    constexpr size_t kMemory = 0x2000;
    UniqueFd vm(ioctl(kvm.system_fd(), KVM_CREATE_VM, 0));
    if (!vm) return false;
    void* mem = mmap(nullptr, kMemory, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return false;
    bool honoured = false;
    do {
        // mov byte [0x800], 1 ; hlt
        const uint8_t code[] = {0xc6, 0x06, 0x00, 0x08, 0x01, 0xf4};
        std::memcpy(mem, code, sizeof code);
        kvm_userspace_memory_region region{};
        region.memory_size = kMemory;
        region.userspace_addr = reinterpret_cast<uint64_t>(mem);
        if (ioctl(vm.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0) break;
        UniqueFd vcpu(ioctl(vm.get(), KVM_CREATE_VCPU, 0));
        if (!vcpu) break;
        void* run_map = mmap(nullptr, kvm.vcpu_mmap_size(), PROT_READ | PROT_WRITE, MAP_SHARED,
                             vcpu.get(), 0);
        if (run_map == MAP_FAILED) break;
        auto* run = static_cast<kvm_run*>(run_map);
        kvm_sregs sregs;
        kvm_regs regs{};
        if (ioctl(vcpu.get(), KVM_GET_SREGS, &sregs) == 0) {
            sregs.cs.base = 0;
            sregs.cs.selector = 0;
            sregs.ds.base = 0;
            sregs.ds.selector = 0;
            regs.rflags = 2;
            kvm_guest_debug dbg{};
            dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
            dbg.arch.debugreg[0] = 0x800;
            dbg.arch.debugreg[7] = 1 | (1u << 16);  // L0, R/W0 = 01 (write), LEN0 = 1 byte
            if (ioctl(vcpu.get(), KVM_SET_SREGS, &sregs) == 0 &&
                ioctl(vcpu.get(), KVM_SET_REGS, &regs) == 0 &&
                ioctl(vcpu.get(), KVM_SET_GUEST_DEBUG, &dbg) == 0 &&
                ioctl(vcpu.get(), KVM_RUN, 0) == 0)
                honoured = run->exit_reason == KVM_EXIT_DEBUG && (run->debug.arch.dr6 & 1);
        }
        munmap(run_map, kvm.vcpu_mmap_size());
    } while (false);
    munmap(mem, kMemory);
    return honoured;
}

}  // namespace svm
