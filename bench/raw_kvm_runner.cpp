#include "bench/raw_kvm_runner.h"

#include <fcntl.h>
#include <svm/hypercall.h>
#include <svm/machine.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace svm::bench {

namespace {

// A real-mode segment: base = selector * 16, 64 KiB limit (Intel SDM Vol. 3B, 20.1.1 "Address
// Translation in Real-Address Mode"); `type` 0xb = code, 0x3 = data, both accessed.
kvm_segment real_mode_segment(uint16_t selector, uint8_t type) {
    kvm_segment s{};
    s.selector = selector;
    s.base = uint64_t{selector} << 4;
    s.limit = 0xffff;
    s.type = type;
    s.present = 1;
    s.s = 1;
    return s;
}

}  // namespace

Result<std::unique_ptr<RawKvmRunner>> RawKvmRunner::create(std::span<const uint8_t> image,
                                                           Options options) {
    if (image.size() > SVM_RESERVED_START)
        return error("the image ({} bytes) does not fit below {:#x}", image.size(),
                     SVM_RESERVED_START);
    std::unique_ptr<RawKvmRunner> r(new RawKvmRunner());
    r->options_ = options;

    r->kvm_fd_.reset(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
    if (!r->kvm_fd_) return error("cannot open /dev/kvm: {}", std::strerror(errno));
    r->vm_fd_.reset(ioctl(r->kvm_fd_.get(), KVM_CREATE_VM, 0));
    if (!r->vm_fd_) return error("KVM_CREATE_VM failed: {}", std::strerror(errno));
    // Needed for real mode on Intel hosts without unrestricted guest (api.rst 4.40); placed in the
    // 32-bit MMIO hole as svm does.
    if (ioctl(r->vm_fd_.get(), KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
        return error("KVM_SET_TSS_ADDR failed: {}", std::strerror(errno));

    r->memory_ = mmap(nullptr, options.memory_size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r->memory_ == MAP_FAILED) {
        r->memory_ = nullptr;
        return error("cannot map {} MiB of guest memory: {}", options.memory_size >> 20,
                     std::strerror(errno));
    }
    std::memcpy(r->memory_, image.data(), image.size());
    kvm_userspace_memory_region region{};
    region.slot = 0;
    region.guest_phys_addr = 0;
    region.memory_size = options.memory_size;
    region.userspace_addr = reinterpret_cast<uint64_t>(r->memory_);
    if (ioctl(r->vm_fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return error("KVM_SET_USER_MEMORY_REGION failed: {}", std::strerror(errno));

    r->vcpu_fd_.reset(ioctl(r->vm_fd_.get(), KVM_CREATE_VCPU, 0ul));
    if (!r->vcpu_fd_) return error("KVM_CREATE_VCPU failed: {}", std::strerror(errno));
    int run_size = ioctl(r->kvm_fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < static_cast<int>(sizeof(kvm_run)))
        return error("KVM_GET_VCPU_MMAP_SIZE failed: {}", std::strerror(errno));
    void* run = mmap(nullptr, static_cast<size_t>(run_size), PROT_READ | PROT_WRITE, MAP_SHARED,
                     r->vcpu_fd_.get(), 0);
    if (run == MAP_FAILED) return error("cannot map kvm_run: {}", std::strerror(errno));
    r->run_ = static_cast<kvm_run*>(run);
    r->run_size_ = static_cast<size_t>(run_size);

    if (options.write_back_result &&
        !(ioctl(r->kvm_fd_.get(), KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_REGS))
        return error("this KVM has no KVM_CAP_SYNC_REGS for general-purpose registers");
    TRY(r->set_real_mode_registers());
    return r;
}

RawKvmRunner::~RawKvmRunner() {
    if (run_) munmap(run_, run_size_);
    vcpu_fd_.reset();
    vm_fd_.reset();
    if (memory_) munmap(memory_, options_.memory_size);
}

Result<void> RawKvmRunner::set_real_mode_registers() {
    // The same state svm's boot_cpu_state() gives a flat real-mode start (docs/machine.md).
    kvm_sregs sregs;
    if (ioctl(vcpu_fd_.get(), KVM_GET_SREGS, &sregs) < 0)
        return error("KVM_GET_SREGS failed: {}", std::strerror(errno));
    sregs.cs = real_mode_segment(0, 0xb);
    sregs.ds = sregs.fs = sregs.gs = real_mode_segment(0, 0x3);
    sregs.es = real_mode_segment(SVM_MACHINE_TABLE_ADDR >> 4, 0x3);
    sregs.ss = real_mode_segment(SVM_RESERVED_START >> 4, 0x3);
    sregs.cr0 = 0x10;  // ET only: real mode, paging off
    if (ioctl(vcpu_fd_.get(), KVM_SET_SREGS, &sregs) < 0)
        return error("KVM_SET_SREGS failed: {}", std::strerror(errno));
    kvm_regs regs{};
    regs.rip = 0;
    regs.rsp = 0xfff0;
    regs.rax = SVM_BOOT_MAGIC;
    regs.rbx = SVM_MACHINE_TABLE_ADDR;
    regs.rflags = 0x2;  // bit 1 is reserved and always set; IF = 0
    if (ioctl(vcpu_fd_.get(), KVM_SET_REGS, &regs) < 0)
        return error("KVM_SET_REGS failed: {}", std::strerror(errno));
    return {};
}

Result<RawKvmRunner::Times> RawKvmRunner::run() {
    using Clock = std::chrono::steady_clock;
    Times times;
    auto start = Clock::now();
    auto since_start = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    if (options_.write_back_result) run_->kvm_valid_regs = KVM_SYNC_X86_REGS;
    for (;;) {
        if (ioctl(vcpu_fd_.get(), KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return error("KVM_RUN failed: {}", std::strerror(errno));
        }
        ++times.exits;
        if ((times.exits & 0xfff) == 0 && since_start() > options_.timeout_s)
            return error("the guest did not call SVM_HC_EXIT within {} s", options_.timeout_s);
        if (run_->exit_reason != KVM_EXIT_IO) {
            return error("unexpected exit reason {} at exit {}", run_->exit_reason, times.exits);
        }
        const auto& io = run_->io;
        if (io.port != SVM_HYPERCALL_PORT || io.direction != KVM_EXIT_IO_OUT || io.size != 4)
            continue;  // not a hypercall: ignored, like a port with no device
        ++times.hypercalls;
        uint32_t function;
        std::memcpy(&function, reinterpret_cast<uint8_t*>(run_) + io.data_offset, 4);
        if (function == SVM_HC_PUTCHAR) times.markers.push_back(since_start());
        if (function == SVM_HC_EXIT) {
            kvm_regs regs;
            if (ioctl(vcpu_fd_.get(), KVM_GET_REGS, &regs) < 0)
                return error("KVM_GET_REGS failed: {}", std::strerror(errno));
            times.exit_code = static_cast<int>(regs.rbx & 0xff);
            return times;
        }
        if (options_.write_back_result) {
            run_->s.regs.regs.rax = 0;
            run_->kvm_dirty_regs = KVM_SYNC_X86_REGS;
        }
    }
}

}  // namespace svm::bench
