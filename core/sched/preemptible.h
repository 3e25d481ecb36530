// Preemptible: a unit a ShareRunner host thread can run for one time slice and take back.
//
// The real implementation will be a vCPU (core/kvm/vcpu.h); today the tests and bench/shares
// plug in spinning workers that check an atomic flag, as a guest is kicked out of KVM_RUN.
//
// How a vCPU plugs in (not wired yet, issue 15): run_slice() is one pass of Vcpu::run_guest()
// on the calling host thread — KVM_RUN, handle the exit, again — that returns Preempted when
// KVM_RUN fails with EINTR (clearing kvm_run->immediate_exit first, as run_guest does today),
// Halted when the vCPU waits for an interrupt, Finished when it stops. request_preempt() is the
// first half of Vcpu::kick(): `immediate_exit = 1` and a fence. The second half, the signal, is
// the slice timer's own signal (ShareRunner::slice_signal()): it interrupts a KVM_RUN in progress,
// and immediate_exit makes a KVM_RUN that was about to start return at once (api.rst,
// "immediate_exit"). Because the flag outlives a late signal, a slice that was already ending
// when the timer fired makes the next KVM_RUN of that vCPU return EINTR at once: a lost
// microsecond, never a lost preemption.
#pragma once

#include "core/sched/share_scheduler.h"

namespace svm::sched {

class Preemptible {
public:
    virtual ~Preemptible() = default;

    // Runs on the calling host thread until a preemption was requested (then clears the request
    // and returns Preempted), or until the unit has nothing to do (Halted: the runner does not
    // run it again before ShareRunner::wake()) or has ended (Finished). A request made before
    // the call makes it return Preempted at once. Must not throw.
    virtual SliceEnd run_slice() = 0;

    // Asks run_slice() to return soon. Called from the slice signal's handler on the thread that
    // runs the unit, and from other threads (ShareRunner::stop()): it must be async-signal-safe,
    // i.e. set an atomic flag and nothing else.
    virtual void request_preempt() noexcept = 0;
};

}  // namespace svm::sched
