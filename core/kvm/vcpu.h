// One KVM vCPU and the host thread that runs it.
//
// Every vCPU ioctl is issued on the vCPU's own thread (as kvmtool's run_on_all_cpus): other threads
// ask with run_on_thread(), which runs a task while the vCPU is paused. The thread is an explicit
// state machine (as Firecracker's vCPU): it starts Paused, runs while Running, and ends when
// Exiting. A kick is immediate_exit = 1, a fence, then a signal — never the signal alone — so a
// vCPU that is about to enter KVM_RUN returns at once instead of missing the request.
#pragma once

#include <linux/kvm.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "core/kvm/kvm.h"
#include "core/result.h"
#include "core/task_mailbox.h"
#include "core/unique_fd.h"
#include "core/x86_64/cpu_state.h"

namespace svm {

class Vcpu;

// Handles the exits of a vCPU, on that vCPU's thread.
class VcpuExitHandler {
public:
    enum class Action {
        Continue,  // re-enter the guest
        Park,      // stop running this vCPU (the machine is stopping or the vCPU cannot go on)
        Yield,     // the handler has set the vCPU's state itself (the debugger parked it and may
                   // already have resumed it): leave the run loop and look at the state again
    };
    virtual ~VcpuExitHandler() = default;
    virtual Action handle_exit(Vcpu& vcpu) = 0;
};

enum class VcpuState { Paused, Running, Exiting };

class Vcpu {
public:
    // Creates vCPU `index` on the VM. The thread is not started yet.
    static Result<std::unique_ptr<Vcpu>> create(const Kvm& kvm, int index);
    ~Vcpu();

    int index() const { return index_; }

    // Starts the vCPU thread in the Paused state; exits go to `handler`.
    void start(VcpuExitHandler& handler);
    // `hook` runs on the vCPU thread each time it leaves the paused state, before it enters the
    // guest (the debugger applies its guest-debug settings there). Set before start().
    void set_before_run(std::function<void(Vcpu&)> hook) { before_run_ = std::move(hook); }
    // Requests a state change and kicks the thread out of KVM_RUN. resume() from Paused only.
    void resume();
    void pause();
    // Asks the thread to end (from any state) without waiting: it leaves the guest at once and
    // gives up its own waits for other vCPUs. Stopping every vCPU with this before joining any
    // means no vCPU is left waiting for one that has already been joined.
    void request_stop();
    // request_stop(), then joins the thread. Idempotent.
    void stop();
    // Waits until the thread has acknowledged Paused (no KVM_RUN in progress) or has ended.
    // Called on a vCPU thread, it runs that thread's own tasks while it waits.
    void wait_paused();
    VcpuState state() const { return state_.load(std::memory_order_acquire); }

    // Runs `task` on the vCPU thread and waits for it: while the vCPU is paused, before it first
    // runs, or, if it is running, between two KVM_RUN calls (the vCPU is kicked out of the guest
    // for it and goes on afterwards). Returns what the task returned, or an error if the vCPU
    // has ended, if `deadline` passed before the task started (it then never runs), or if the
    // caller is a vCPU thread that is being stopped. A vCPU thread that calls this runs the
    // tasks posted to itself while it waits (TaskMailbox), so two vCPUs asking each other never
    // deadlock. The main thread passes a deadline: it must never wait on a stuck vCPU.
    Result<void> run_on_thread(std::function<Result<void>(Vcpu&)> task,
                               std::optional<TaskMailbox::Clock::time_point> deadline = {});

    // True while the vCPU is parked in HLT (set by exit dispatch, for the debugger's thread list).
    bool halted() const { return halted_.load(std::memory_order_relaxed); }
    void set_halted(bool halted) { halted_.store(halted, std::memory_order_relaxed); }

    // --- Only on the vCPU's own thread (inside the exit handler or a run_on_thread task). ---
    // Stops running after the current exit (Running -> Paused), before anyone else is told the
    // vCPU stopped, so a resume() that follows cannot be lost.
    void park_self();
    // Re-enters KVM_RUN with immediate_exit so that a port I/O or MMIO exit that was just handled
    // completes (api.rst, "immediate_exit"): RIP moves past the instruction. Idempotent.
    void complete_pending_io();
    kvm_run* run() { return run_; }
    // The general registers. With KVM_CAP_SYNC_REGS they come from kvm_run without an ioctl.
    Result<kvm_regs> get_regs();
    Result<void> set_regs(const kvm_regs& regs);
    Result<kvm_sregs> get_sregs();
    Result<void> set_sregs(const kvm_sregs& sregs);
    Result<void> set_cpuid(const std::vector<kvm_cpuid_entry2>& entries);
    Result<kvm_fpu> get_fpu();
    Result<void> set_fpu(const kvm_fpu& fpu);
    Result<uint64_t> get_msr(uint32_t index);
    Result<void> set_msr(uint32_t index, uint64_t value);
    // KVM_SET_GUEST_DEBUG (api.rst 4.61): `control` is KVM_GUESTDBG_* flags, `debugreg` DR0-DR7.
    Result<void> set_guest_debug(uint32_t control, const std::array<uint64_t, 8>& debugreg);
    kvm_mp_state mp_state();
    Result<void> set_mp_state(uint32_t state);
    // KVM_GET_LAPIC (api.rst 4.57): the in-kernel local APIC's register page (xAPIC layout).
    Result<kvm_lapic_state> get_lapic();
    // KVM_SET_LAPIC (api.rst 4.58): the local APIC's register page. vCPU thread only.
    Result<void> set_lapic(const kvm_lapic_state& state);
    // KVM_TRANSLATE (api.rst 4.38): KVM's own walk of the guest page tables, for cross-checks.
    // Returns the guest-physical address, or an error if KVM says the address is not mapped.
    Result<uint64_t> kvm_translate(uint64_t linear);
    // The whole architectural state in svm's terms.
    Result<CpuState> get_state();
    Result<void> set_state(const CpuState& state);

private:
    Vcpu(int index, UniqueFd fd, kvm_run* run, size_t mmap_size, bool sync_regs)
        : index_(index),
          fd_(std::move(fd)),
          run_(run),
          mmap_size_(mmap_size),
          sync_regs_(sync_regs) {}

    void thread_main(VcpuExitHandler& handler);
    void run_pending_tasks();
    void run_guest(VcpuExitHandler& handler);
    void set_state_and_kick(VcpuState next);
    void kick();

    const int index_;
    UniqueFd fd_;
    kvm_run* run_;
    size_t mmap_size_;
    bool sync_regs_;
    bool io_pending_ = false;  // vCPU thread only
    bool dirty_regs_ = false;  // vCPU thread only: sync regs written, not yet entered

    std::function<void(Vcpu&)> before_run_;
    std::thread thread_;
    std::atomic<pthread_t> native_thread_{};
    std::atomic<VcpuState> state_{VcpuState::Paused};
    std::atomic<bool> halted_{false};

    // Lock order: mutex_, then mailbox_'s mutex (a leaf). Exit handlers and tasks never run
    // with either held, and no thread holds one vCPU's mutex_ while taking another's.
    std::mutex mutex_;
    std::condition_variable cv_;
    bool paused_ack_ = false;  // guarded by mutex_
    bool finished_ = false;    // guarded by mutex_
    // Tasks from other threads (run_on_thread). Posting one notifies cv_ and kicks the thread.
    TaskMailbox mailbox_{fmt::format("vCPU {}", index_), [this] {
                             {
                                 std::lock_guard lock(mutex_);
                                 cv_.notify_all();
                             }
                             kick();
                         }};
};

}  // namespace svm
