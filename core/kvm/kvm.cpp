#include "core/kvm/kvm.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "core/guest_memory.h"
#include "core/kvm/kvm_ioctls.h"

namespace svm {

Result<std::unique_ptr<Kvm>> Kvm::open() {
    std::unique_ptr<Kvm> kvm(new Kvm());
    int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT)
            return error(
                "/dev/kvm does not exist: enable virtualization (VT-x/AMD-V) in the "
                "firmware and load the kvm module (modprobe kvm_intel or kvm_amd)");
        if (err == EACCES || err == EPERM)
            return error(
                "no permission to open /dev/kvm: add yourself to the 'kvm' group "
                "(sudo usermod -aG kvm $USER, then log in again) or run as root");
        return error("cannot open /dev/kvm: {}", std::strerror(err));
    }
    kvm->kvm_fd_.reset(fd);

    int version = ioctl(fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION)
        return error("/dev/kvm speaks KVM API version {}, svm needs {}", version, KVM_API_VERSION);

    // Capabilities svm cannot work without (api.rst section 8 and the per-ioctl capability notes).
    struct Needed {
        long cap;
        const char* name;
    };
    for (auto [cap, name] : {Needed{KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
                             Needed{KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
                             Needed{KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"}}) {
        if (kvm->check_extension(cap) <= 0)
            return error("this kernel's KVM lacks {}; svm needs Linux 4.11 or later", name);
    }
    int mmap_size = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (mmap_size < static_cast<int>(sizeof(kvm_run)))
        return error("KVM_GET_VCPU_MMAP_SIZE failed: {}", std::strerror(errno));
    kvm->vcpu_mmap_size_ = static_cast<size_t>(mmap_size);
    int max = kvm->check_extension(KVM_CAP_MAX_VCPUS);
    if (max <= 0) max = kvm->check_extension(KVM_CAP_NR_VCPUS);
    kvm->max_vcpus_ = max > 0 ? max : 1;
    // KVM_CAP_SYNC_REGS (api.rst 4.x "kvm_run" / sync_regs): registers arrive in kvm_run on every
    // exit, saving two ioctls per hypercall.
    kvm->sync_regs_ = (kvm->check_extension(KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_REGS) != 0;

    // KVM_GET_SUPPORTED_CPUID: retry with a larger buffer while it says E2BIG.
    for (uint32_t n = 64; n <= 4096; n *= 2) {
        std::vector<uint8_t> buf(sizeof(kvm_ioctl::Cpuid2Header) + n * sizeof(kvm_cpuid_entry2));
        auto* header = reinterpret_cast<kvm_ioctl::Cpuid2Header*>(buf.data());
        header->nent = n;
        if (ioctl(fd, kvm_ioctl::kGetSupportedCpuid, buf.data()) == 0) {
            auto* entries = reinterpret_cast<const kvm_cpuid_entry2*>(header + 1);
            kvm->cpuid_.assign(entries, entries + header->nent);
            return kvm;
        }
        if (errno != E2BIG) break;
    }
    return error("KVM_GET_SUPPORTED_CPUID failed: {}", std::strerror(errno));
}

int Kvm::check_extension(long cap) const {
    int r = ioctl(kvm_fd_.get(), KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}

Result<void> Kvm::create_vm(const GuestMemory& memory) {
    SVM_ASSERT(!vm_fd_);
    int fd = ioctl(kvm_fd_.get(), KVM_CREATE_VM, 0);
    if (fd < 0) return error("KVM_CREATE_VM failed: {}", std::strerror(errno));
    vm_fd_.reset(fd);
    // The TSS region is needed on Intel hosts without unrestricted guest; place it in the
    // MMIO hole where no RAM lives (api.rst 4.40 KVM_SET_TSS_ADDR).
    if (ioctl(fd, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
        return error("KVM_SET_TSS_ADDR failed: {}", std::strerror(errno));
    TRY(set_page_access(memory, {}));
    if (ioctl(fd, KVM_CREATE_IRQCHIP, 0) < 0)
        return error("KVM_CREATE_IRQCHIP failed: {}", std::strerror(errno));
    kvm_pit_config pit{};
    pit.flags = KVM_PIT_SPEAKER_DUMMY;  // port 0x61 reads as a PC speaker that is off
    if (ioctl(fd, KVM_CREATE_PIT2, &pit) < 0)
        return error("KVM_CREATE_PIT2 failed: {}", std::strerror(errno));
    return {};
}

void Kvm::set_irq_line(uint32_t gsi, bool level) const {
    kvm_irq_level irq{};
    irq.irq = gsi;
    irq.level = level ? 1 : 0;
    ioctl(vm_fd_.get(), KVM_IRQ_LINE, &irq);
}

bool Kvm::signal_msi(uint64_t address, uint32_t data) const {
    kvm_msi msi{};
    msi.address_lo = static_cast<uint32_t>(address);
    msi.address_hi = static_cast<uint32_t>(address >> 32);
    msi.data = data;
    // > 0: delivered; 0: blocked by the guest (masked, no destination); < 0: error.
    return ioctl(vm_fd_.get(), KVM_SIGNAL_MSI, &msi) > 0;
}

namespace {

kvm_ioeventfd to_kvm(const Kvm::IoEventFd& event, bool deassign) {
    kvm_ioeventfd io{};
    io.addr = event.address;
    io.len = event.length;
    io.fd = event.fd;
    if (event.datamatch) {
        io.datamatch = *event.datamatch;
        io.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
    }
    if (deassign) io.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
    return io;
}

}  // namespace

Result<void> Kvm::add_ioeventfd(const IoEventFd& event) const {
    kvm_ioeventfd io = to_kvm(event, false);
    if (ioctl(vm_fd_.get(), KVM_IOEVENTFD, &io) < 0)
        return error("KVM_IOEVENTFD at {:#x} (length {}) failed: {}", event.address, event.length,
                     std::strerror(errno));
    return {};
}

void Kvm::remove_ioeventfd(const IoEventFd& event) const {
    kvm_ioeventfd io = to_kvm(event, true);
    ioctl(vm_fd_.get(), KVM_IOEVENTFD, &io);
}

Result<kvm_pit_state2> Kvm::get_pit2() const {
    kvm_pit_state2 state{};
    if (ioctl(vm_fd_.get(), KVM_GET_PIT2, &state) < 0)
        return error("KVM_GET_PIT2 failed: {}", std::strerror(errno));
    return state;
}

Result<kvm_irqchip> Kvm::get_irqchip(uint32_t chip) const {
    kvm_irqchip state{};
    state.chip_id = chip;
    if (ioctl(vm_fd_.get(), KVM_GET_IRQCHIP, &state) < 0)
        return error("KVM_GET_IRQCHIP {} failed: {}", chip, std::strerror(errno));
    return state;
}

Result<void> Kvm::set_irqchip(const kvm_irqchip& chip) {
    kvm_irqchip copy = chip;
    if (ioctl(vm_fd_.get(), KVM_SET_IRQCHIP, &copy) < 0)
        return error("KVM_SET_IRQCHIP {} failed: {}", chip.chip_id, std::strerror(errno));
    return {};
}

Result<void> Kvm::set_pit2(const kvm_pit_state2& state) {
    kvm_pit_state2 copy = state;
    if (ioctl(vm_fd_.get(), KVM_SET_PIT2, &copy) < 0)
        return error("KVM_SET_PIT2 failed: {}", std::strerror(errno));
    return {};
}

Result<void> Kvm::set_page_access(const GuestMemory& memory,
                                  const std::map<uint64_t, PageAccess>& pages) {
    // api.rst 4.35 KVM_SET_USER_MEMORY_REGION; memory_size 0 deletes a slot.
    return slots_.set_page_access(
        memory.size(), pages, [&](const MemorySlots::Slot& slot) -> Result<void> {
            kvm_userspace_memory_region region{};
            region.slot = slot.id;
            if (slot.size != 0) {
                region.flags = slot.read_only ? KVM_MEM_READONLY : 0;
                region.guest_phys_addr = slot.gpa;
                region.memory_size = slot.size;
                region.userspace_addr =
                    reinterpret_cast<uint64_t>(memory.host_base_for_kvm() + slot.gpa);
            }
            if (ioctl(vm_fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) == 0) return {};
            const int error_number = errno;
            if (slot.size == 0)
                return error("deleting memory slot {} failed: {}", slot.id,
                             std::strerror(error_number));
            const int max_slots = check_extension(KVM_CAP_NR_MEMSLOTS);
            if (error_number == EINVAL && max_slots > 0 && slot.id >= uint32_t(max_slots))
                return error("watchpoints need more than KVM's {} memory slots: watch fewer pages",
                             max_slots);
            return error("KVM_SET_USER_MEMORY_REGION {:#x}+{:#x} failed: {}", slot.gpa, slot.size,
                         std::strerror(error_number));
        });
}

Result<uint32_t> Kvm::add_device_memory(uint64_t gpa, uint8_t* host, uint64_t size,
                                        bool log_dirty) {
    std::lock_guard lock(device_slots_mutex_);
    const int max_slots = check_extension(KVM_CAP_NR_MEMSLOTS);
    // Slots are numbered from the top down, below KVM_CAP_NR_MEMSLOTS (at least 32 on every
    // kernel svm supports; api.rst 4.35 says the number must be less than it).
    uint32_t slot = uint32_t(max_slots > 0 ? max_slots : 32) - 1;
    while (device_slots_.contains(slot)) --slot;
    DeviceSlot entry{gpa, host, size, log_dirty ? uint32_t(KVM_MEM_LOG_DIRTY_PAGES) : 0u, true};
    kvm_userspace_memory_region region{};
    region.slot = slot;
    region.flags = entry.flags;
    region.guest_phys_addr = gpa;
    region.memory_size = size;
    region.userspace_addr = reinterpret_cast<uint64_t>(host);
    if (ioctl(vm_fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return error("mapping device memory at {:#x}+{:#x} failed: {}", gpa, size,
                     std::strerror(errno));
    device_slots_[slot] = entry;
    return slot;
}

Result<void> Kvm::move_device_memory(uint32_t slot, std::optional<uint64_t> gpa) {
    std::lock_guard lock(device_slots_mutex_);
    auto it = device_slots_.find(slot);
    SVM_ASSERT(it != device_slots_.end());
    DeviceSlot& entry = it->second;
    if (entry.mapped && gpa == entry.gpa) return {};
    kvm_userspace_memory_region region{};
    region.slot = slot;
    if (entry.mapped) {
        if (ioctl(vm_fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
            return error("unmapping device memory slot {} failed: {}", slot, std::strerror(errno));
        entry.mapped = false;
    }
    if (!gpa) return {};
    region.flags = entry.flags;
    region.guest_phys_addr = *gpa;
    region.memory_size = entry.size;
    region.userspace_addr = reinterpret_cast<uint64_t>(entry.host);
    if (ioctl(vm_fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return error("mapping device memory at {:#x}+{:#x} failed: {}", *gpa, entry.size,
                     std::strerror(errno));
    entry.gpa = *gpa;
    entry.mapped = true;
    return {};
}

Result<void> Kvm::get_dirty_log(uint32_t slot, std::span<uint64_t> bitmap) const {
    kvm_dirty_log log{};
    log.slot = slot;
    log.dirty_bitmap = bitmap.data();
    if (ioctl(vm_fd_.get(), KVM_GET_DIRTY_LOG, &log) < 0)
        return error("KVM_GET_DIRTY_LOG on slot {} failed: {}", slot, std::strerror(errno));
    return {};
}

}  // namespace svm
