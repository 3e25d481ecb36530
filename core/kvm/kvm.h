// The KVM system (/dev/kvm) and one VM on it. The only place besides core/kvm/vcpu.* that issues
// KVM ioctls. KVM API reference: Documentation/virt/kvm/api.rst.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "core/kvm/memory_slots.h"
#include "core/result.h"
#include "core/unique_fd.h"

namespace svm {

class GuestMemory;

class Kvm {
public:
    // Opens /dev/kvm and checks the API version and the capabilities svm relies on. Returns an
    // error that says how to fix it (missing device, no permission, old kernel).
    static Result<std::unique_ptr<Kvm>> open();

    // Creates the VM, registers `memory` as memory slot 0 at guest-physical 0 and creates KVM's
    // in-kernel interrupt controllers (a local APIC per vCPU, the I/O APIC and the 8259 PICs) and
    // the 8254 PIT (api.rst 4.24 KVM_CREATE_IRQCHIP, 4.71 KVM_CREATE_PIT2). Call once, before
    // creating vCPUs.
    Result<void> create_vm(const GuestMemory& memory);

    // Drives interrupt line `gsi` (KVM_IRQ_LINE, api.rst 4.25): level semantics, KVM's default
    // routing sends GSI n to I/O APIC pin n (and, below 16, to the PIC). Thread-safe.
    void set_irq_line(uint32_t gsi, bool level) const;

    // Delivers one message-signalled interrupt (KVM_SIGNAL_MSI, api.rst 4.71): `address` and
    // `data` as the device wrote them into its MSI-X table entry (PCI 3.0, 6.8.2; the local
    // APIC decodes them, Intel SDM vol. 3A, 11.11 "Message Signalled Interrupts"). Returns false
    // if KVM refused or the message was blocked. Thread-safe.
    bool signal_msi(uint64_t address, uint32_t data) const;

    // One ioeventfd (KVM_IOEVENTFD, api.rst 4.59): a guest write of `length` bytes (0 = any
    // length, MMIO only) to guest-physical `address` on the MMIO bus, with `datamatch` the value
    // written if given, signals eventfd `fd` inside KVM instead of leaving KVM_RUN: a device's
    // doorbell costs the vCPU no exit to user space.
    struct IoEventFd {
        uint64_t address = 0;
        uint32_t length = 0;
        std::optional<uint64_t> datamatch;
        int fd = -1;
    };
    // Registers `event`. Returns an error naming errno if KVM refuses (no such capability, a
    // length the host does not support, the same address and datamatch twice). Thread-safe.
    Result<void> add_ioeventfd(const IoEventFd& event) const;
    // Unregisters an ioeventfd registered with the same fields. Thread-safe.
    void remove_ioeventfd(const IoEventFd& event) const;

    // KVM_GET_PIT2 (api.rst 4.72): the in-kernel 8254's state. KVM_GET_IRQCHIP (api.rst 4.26):
    // `chip` is KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE or KVM_IRQCHIP_IOAPIC. Any thread.
    // Return an error if KVM refuses (no in-kernel irqchip or PIT).
    Result<kvm_pit_state2> get_pit2() const;
    Result<kvm_irqchip> get_irqchip(uint32_t chip) const;
    // KVM_SET_IRQCHIP (api.rst 4.27) and KVM_SET_PIT2 (api.rst 4.73): load the in-kernel PIC or
    // I/O APIC state and the 8254's (KVM restarts channel 0's timer from the count). Before the
    // vCPUs run. Return an error if KVM refuses.
    Result<void> set_irqchip(const kvm_irqchip& chip);
    Result<void> set_pit2(const kvm_pit_state2& state);

    // Re-lays out the memory slots so that each page in `pages` (4 KiB-aligned guest-physical
    // addresses) is mapped as given and all other RAM is read/write, changing only the slots that
    // differ (MemorySlots). Only while no vCPU is inside KVM_RUN (the debugger calls it with every
    // vCPU paused). Returns an error if KVM refuses.
    Result<void> set_page_access(const GuestMemory& memory,
                                 const std::map<uint64_t, PageAccess>& pages);

    // Maps `size` bytes of host memory at `host` (page-aligned, owned by the caller and alive as
    // long as the VM) at guest-physical `gpa`, outside RAM: device memory such as the display's
    // linear framebuffer. With `log_dirty` KVM records the pages the guest writes
    // (KVM_MEM_LOG_DIRTY_PAGES, api.rst 4.35) for get_dirty_log(). Returns the slot's number, or
    // an error if KVM refuses (overlap with another slot, no free slot). Any thread; the slot is
    // taken from the top of KVM_CAP_NR_MEMSLOTS so RAM slots (from 0 up) never meet it.
    Result<uint32_t> add_device_memory(uint64_t gpa, uint8_t* host, uint64_t size, bool log_dirty);
    // Moves device-memory slot `slot` to guest-physical `gpa` (a PCI BAR the guest reprogrammed),
    // or unmaps it (nullopt: the guest turned memory decoding off): deletes and re-adds it, as KVM
    // cannot move a slot in place (api.rst 4.35). Returns an error if KVM refuses; the slot is
    // then unmapped. Any thread.
    Result<void> move_device_memory(uint32_t slot, std::optional<uint64_t> gpa);
    // KVM_GET_DIRTY_LOG (api.rst 4.8): fills `bitmap` with the pages of device-memory slot `slot`
    // written since the last call (bit i of word i / 64 = page i) and starts a new interval.
    // `bitmap` must hold at least one bit per page of the slot. Any thread.
    Result<void> get_dirty_log(uint32_t slot, std::span<uint64_t> bitmap) const;

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

    MemorySlots slots_;
    struct DeviceSlot {
        uint64_t gpa = 0;
        uint8_t* host = nullptr;
        uint64_t size = 0;
        uint32_t flags = 0;
        bool mapped = false;
    };
    std::mutex device_slots_mutex_;  // a leaf lock; guards device_slots_
    std::map<uint32_t, DeviceSlot> device_slots_;
};

}  // namespace svm
