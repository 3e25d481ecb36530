#include "core/kvm/vcpu.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "core/kvm/kvm_ioctls.h"
#include "core/kvm/kvm_state.h"
#include "core/log.h"

namespace svm {

namespace {

// The signal that kicks a vCPU thread out of KVM_RUN.
int kick_signal() {
    return SIGRTMIN;
}

thread_local kvm_run* t_current_run = nullptr;

void kick_handler(int) {
    // Belt and braces: the kicker already set immediate_exit; setting it here too covers a kick
    // that raced with the thread clearing it.
    if (t_current_run) __atomic_store_n(&t_current_run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

void install_kick_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_handler = kick_handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;  // no SA_RESTART: KVM_RUN must return EINTR
        sigaction(kick_signal(), &sa, nullptr);
    });
}

}  // namespace

Result<std::unique_ptr<Vcpu>> Vcpu::create(const Kvm& kvm, int index) {
    int fd = ioctl(kvm.vm_fd(), KVM_CREATE_VCPU, static_cast<unsigned long>(index));
    if (fd < 0) return error("KVM_CREATE_VCPU {} failed: {}", index, std::strerror(errno));
    UniqueFd vcpu_fd(fd);
    void* run = mmap(nullptr, kvm.vcpu_mmap_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (run == MAP_FAILED)
        return error("cannot map vCPU {}'s kvm_run: {}", index, std::strerror(errno));
    install_kick_handler();
    return std::unique_ptr<Vcpu>(new Vcpu(index, std::move(vcpu_fd), static_cast<kvm_run*>(run),
                                          kvm.vcpu_mmap_size(), kvm.has_sync_regs()));
}

Vcpu::~Vcpu() {
    stop();
    munmap(run_, mmap_size_);
}

void Vcpu::start(VcpuExitHandler& handler) {
    SVM_ASSERT(!thread_.joinable());
    thread_ = std::thread([this, &handler] { thread_main(handler); });
}

void Vcpu::thread_main(VcpuExitHandler& handler) {
    native_thread_.store(pthread_self(), std::memory_order_release);
    t_current_run = run_;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, kick_signal());
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    if (sync_regs_) run_->kvm_valid_regs = KVM_SYNC_X86_REGS;
    mailbox_.bind_to_this_thread();

    std::unique_lock lock(mutex_);
    for (;;) {
        if (mailbox_.has_pending()) {
            lock.unlock();
            mailbox_.run_pending();
            lock.lock();
            continue;
        }
        VcpuState s = state_.load(std::memory_order_acquire);
        if (s == VcpuState::Exiting) break;
        if (s == VcpuState::Paused) {
            paused_ack_ = true;
            cv_.notify_all();
            cv_.wait(lock, [&] {
                return mailbox_.has_pending() ||
                       state_.load(std::memory_order_acquire) != VcpuState::Paused;
            });
            continue;
        }
        paused_ack_ = false;
        lock.unlock();
        if (before_run_) before_run_(*this);
        run_guest(handler);
        lock.lock();
    }
    lock.unlock();
    mailbox_.close();  // runs what was posted meanwhile; later posts get an error
    lock.lock();
    finished_ = true;
    paused_ack_ = true;
    cv_.notify_all();
}

void Vcpu::run_guest(VcpuExitHandler& handler) {
    while (state_.load(std::memory_order_acquire) == VcpuState::Running) {
        int r = ioctl(fd_.get(), KVM_RUN, 0);
        io_pending_ = false;
        dirty_regs_ = false;
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                // A kick (or, for an AP right after INIT, EAGAIN): clear the request flag, run
                // any task another thread queued, then look at the state again. Clearing first
                // means a later kick is never lost.
                __atomic_store_n(&run_->immediate_exit, 0, __ATOMIC_SEQ_CST);
                run_pending_tasks();
                continue;
            }
            log::error("vCPU {}: KVM_RUN failed: {}", index_, std::strerror(errno));
            park_self();
            break;
        }
        io_pending_ = run_->exit_reason == KVM_EXIT_IO || run_->exit_reason == KVM_EXIT_MMIO;
        // Leave the loop after every stop, so that thread_main runs the before-run hook when the
        // vCPU is resumed: a resume that races with the stop is never lost.
        auto action = handler.handle_exit(*this);
        if (action == VcpuExitHandler::Action::Park) park_self();
        if (action != VcpuExitHandler::Action::Continue) break;
    }
    complete_pending_io();
}

void Vcpu::run_pending_tasks() {
    mailbox_.run_pending();
}

void Vcpu::park_self() {
    VcpuState expected = VcpuState::Running;
    state_.compare_exchange_strong(expected, VcpuState::Paused);
}

void Vcpu::complete_pending_io() {
    if (!io_pending_ && !dirty_regs_) return;
    __atomic_store_n(&run_->immediate_exit, 1, __ATOMIC_SEQ_CST);
    ioctl(fd_.get(), KVM_RUN, 0);  // returns EINTR once the pending exit is completed
    __atomic_store_n(&run_->immediate_exit, 0, __ATOMIC_SEQ_CST);
    io_pending_ = false;
    dirty_regs_ = false;
}

void Vcpu::kick() {
    __atomic_store_n(&run_->immediate_exit, 1, __ATOMIC_SEQ_CST);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    pthread_t t = native_thread_.load(std::memory_order_acquire);
    if (t) pthread_kill(t, kick_signal());
}

void Vcpu::set_state_and_kick(VcpuState next) {
    {
        std::lock_guard lock(mutex_);
        if (state_.load() == VcpuState::Exiting) return;
        // paused_ack_ stays as it is: it is true exactly while the thread sits in its paused
        // wait (thread_main clears it before entering the guest), so pausing a vCPU that is
        // already paused needs no new acknowledgement.
        state_.store(next, std::memory_order_release);
        cv_.notify_all();
    }
    if (next != VcpuState::Running) kick();
}

void Vcpu::resume() {
    halted_.store(false, std::memory_order_relaxed);
    set_state_and_kick(VcpuState::Running);
}
void Vcpu::pause() {
    set_state_and_kick(VcpuState::Paused);
}

void Vcpu::wait_paused() {
    std::unique_lock lock(mutex_);
    TaskMailbox::wait_serving(lock, cv_,
                              [&] { return paused_ack_ || finished_ || !thread_.joinable(); });
}

void Vcpu::request_stop() {
    mailbox_.cancel_waits();
    set_state_and_kick(VcpuState::Exiting);
}

void Vcpu::stop() {
    request_stop();
    if (thread_.joinable()) thread_.join();
}

Result<void> Vcpu::run_on_thread(std::function<Result<void>(Vcpu&)> task,
                                 std::optional<TaskMailbox::Clock::time_point> deadline) {
    if (!thread_.joinable()) return task(*this);  // not started: the caller is the only user
    return mailbox_.call([this, &task] { return task(*this); }, deadline);
}

Result<kvm_regs> Vcpu::get_regs() {
    if (sync_regs_) return run_->s.regs.regs;
    kvm_regs regs;
    if (ioctl(fd_.get(), KVM_GET_REGS, &regs) < 0)
        return error("KVM_GET_REGS failed: {}", std::strerror(errno));
    return regs;
}

Result<void> Vcpu::set_regs(const kvm_regs& regs) {
    if (sync_regs_) {
        run_->s.regs.regs = regs;
        run_->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
        dirty_regs_ = true;
        return {};
    }
    if (ioctl(fd_.get(), KVM_SET_REGS, &regs) < 0)
        return error("KVM_SET_REGS failed: {}", std::strerror(errno));
    return {};
}

Result<kvm_sregs> Vcpu::get_sregs() {
    kvm_sregs sregs;
    if (ioctl(fd_.get(), KVM_GET_SREGS, &sregs) < 0)
        return error("KVM_GET_SREGS failed: {}", std::strerror(errno));
    return sregs;
}

Result<void> Vcpu::set_sregs(const kvm_sregs& sregs) {
    if (ioctl(fd_.get(), KVM_SET_SREGS, &sregs) < 0)
        return error("KVM_SET_SREGS failed: {}", std::strerror(errno));
    return {};
}

Result<void> Vcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) {
    std::vector<uint8_t> buf(sizeof(kvm_ioctl::Cpuid2Header) +
                             entries.size() * sizeof(kvm_cpuid_entry2));
    auto* header = reinterpret_cast<kvm_ioctl::Cpuid2Header*>(buf.data());
    header->nent = static_cast<uint32_t>(entries.size());
    std::memcpy(header + 1, entries.data(), entries.size() * sizeof(kvm_cpuid_entry2));
    if (ioctl(fd_.get(), kvm_ioctl::kSetCpuid2, buf.data()) < 0)
        return error("KVM_SET_CPUID2 failed: {}", std::strerror(errno));
    return {};
}

Result<CpuState> Vcpu::get_state() {
    auto regs = TRY(get_regs());
    auto sregs = TRY(get_sregs());
    return to_cpu_state(regs, sregs);
}

Result<void> Vcpu::set_state(const CpuState& state) {
    auto [regs, sregs] = TRY(from_cpu_state(state, TRY(get_sregs())));
    TRY(set_sregs(sregs));
    return set_regs(regs);
}

}  // namespace svm

namespace svm {

Result<kvm_fpu> Vcpu::get_fpu() {
    kvm_fpu fpu;
    if (ioctl(fd_.get(), KVM_GET_FPU, &fpu) < 0)
        return error("KVM_GET_FPU failed: {}", std::strerror(errno));
    return fpu;
}

Result<void> Vcpu::set_fpu(const kvm_fpu& fpu) {
    if (ioctl(fd_.get(), KVM_SET_FPU, &fpu) < 0)
        return error("KVM_SET_FPU failed: {}", std::strerror(errno));
    return {};
}

namespace {

// One MSR for KVM_GET_MSRS / KVM_SET_MSRS: the C layout of struct kvm_msrs with one entry.
struct OneMsr {
    kvm_ioctl::MsrsHeader header;
    kvm_msr_entry entry;
};

}  // namespace

Result<uint64_t> Vcpu::get_msr(uint32_t index) {
    OneMsr msrs{{1, 0}, {}};
    msrs.entry.index = index;
    if (ioctl(fd_.get(), kvm_ioctl::kGetMsrs, &msrs) != 1)
        return error("KVM_GET_MSRS {:#x} failed", index);
    return msrs.entry.data;
}

Result<void> Vcpu::set_msr(uint32_t index, uint64_t value) {
    OneMsr msrs{{1, 0}, {}};
    msrs.entry.index = index;
    msrs.entry.data = value;
    if (ioctl(fd_.get(), kvm_ioctl::kSetMsrs, &msrs) != 1)
        return error("KVM_SET_MSRS {:#x} failed", index);
    return {};
}

Result<void> Vcpu::set_guest_debug(uint32_t control, const std::array<uint64_t, 8>& debugreg) {
    kvm_guest_debug dbg{};
    dbg.control = control;
    for (size_t i = 0; i < 8; ++i) dbg.arch.debugreg[i] = debugreg[i];
    if (ioctl(fd_.get(), KVM_SET_GUEST_DEBUG, &dbg) < 0)
        return error("KVM_SET_GUEST_DEBUG failed: {}", std::strerror(errno));
    return {};
}

Result<uint64_t> Vcpu::kvm_translate(uint64_t linear) {
    kvm_translation t{};
    t.linear_address = linear;
    if (ioctl(fd_.get(), KVM_TRANSLATE, &t) < 0)
        return error("KVM_TRANSLATE failed: {}", std::strerror(errno));
    if (!t.valid) return error("KVM_TRANSLATE: {:#x} is not mapped", linear);
    return t.physical_address;
}

Result<void> Vcpu::set_mp_state(uint32_t state) {
    kvm_mp_state mp{state};
    if (ioctl(fd_.get(), KVM_SET_MP_STATE, &mp) < 0)
        return error("KVM_SET_MP_STATE failed: {}", std::strerror(errno));
    return {};
}

Result<kvm_lapic_state> Vcpu::get_lapic() {
    kvm_lapic_state state{};
    if (ioctl(fd_.get(), KVM_GET_LAPIC, &state) < 0)
        return error("KVM_GET_LAPIC failed: {}", std::strerror(errno));
    return state;
}

Result<void> Vcpu::set_lapic(const kvm_lapic_state& state) {
    if (ioctl(fd_.get(), KVM_SET_LAPIC, &state) < 0)
        return error("KVM_SET_LAPIC failed: {}", std::strerror(errno));
    return {};
}

kvm_mp_state Vcpu::mp_state() {
    kvm_mp_state state{};
    ioctl(fd_.get(), KVM_GET_MP_STATE, &state);
    return state;
}

}  // namespace svm
