// ShareScheduler: which runnable unit (a vCPU) a host thread runs next, so that each VM gets its
// share of the CPU time the VMs get together (docs/multi-vm.md, "CPU shares"; issue 15).
//
// The algorithm is weighted fair queuing by virtual time, as Linux CFS's vruntime
// (Documentation/scheduler/sched-design-CFS.rst): every VM has a virtual time; a unit that ran
// for `ran_ns` adds ran_ns * 100 / share_percent to its VM's virtual time; the next unit is taken
// from the VM with the least virtual time that has a runnable unit not running on another thread.
// Within a VM the units take turns by their own run time (the unit that has run least goes
// first; ties go to the one picked longest ago), which is round-robin when slices are equal.
//
// - Sleeping VMs do not bank credit: a VM that wakes (from no runnable unit to one) has its
//   virtual time raised to the least virtual time of the VMs that were busy meanwhile (CFS's
//   min_vruntime clamp); a unit that wakes likewise catches up with its VM's busiest-behind unit.
// - The scheduler is work-conserving: when the VM with the least virtual time has no free unit,
//   the next VM gets the thread. With N host threads a VM can therefore use at most
//   (its runnable units / N) of the time, whatever its share: a one-vCPU VM on two threads gets at
//   most half, and what it cannot use goes to the others.
// - It has no clock. Callers measure how long a unit ran and pass nanoseconds to finish(); the
//   runner (share_runner.h) measures host thread CPU time.
//
// Thread-safe: every member may be called from any thread (one internal mutex, a leaf lock).
// Ids are small integers handed out in order and never reused.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace svm::sched {

using VmId = int;
using UnitId = int;

// Why a unit's slice ended (ShareScheduler::finish, Preemptible::run_slice).
enum class SliceEnd {
    Preempted,  // its time was up (or it was kicked): it stays runnable
    Halted,     // it has nothing to do (a vCPU in HLT): not runnable until wake()
    Finished,   // it will never run again (a vCPU that stopped): removed
};

class ShareScheduler {
public:
    // Adds a VM whose share is `share_percent` of the CPU time (> 0; the shares of all VMs need
    // not add up to 100: only their ratios matter, as core/cli/vm_set.cpp's share_percent).
    // Its virtual time starts at the current least virtual time, so a VM added late does not
    // get a burst. Returns its id.
    VmId add_vm(double share_percent);
    // Adds a runnable unit to `vm` (which must exist and not be removed). Returns its id.
    UnitId add_unit(VmId vm);
    // Removes a VM that ended, and its units. A unit of it that is running stays "running" for
    // the thread that runs it; that thread's finish() is then ignored. Removing twice is a no-op.
    void remove_vm(VmId vm);

    // Picks the unit host thread `thread` (0-based, any int) runs next and marks it running, so no
    // other thread gets it until finish(). Returns nullopt when no runnable unit is free.
    std::optional<UnitId> pick(int thread);
    // Ends a slice of `unit` (returned by pick()): charges `ran_ns` nanoseconds (clamped at 0) to
    // it and to its VM, and applies `end`. Returns false, and changes nothing, when the unit's VM
    // has been removed meanwhile or the unit was not running.
    bool finish(UnitId unit, int64_t ran_ns, SliceEnd end = SliceEnd::Preempted);
    // Makes a halted unit runnable again (an interrupt for a halted vCPU). Returns false when the
    // unit does not exist (any more); a unit that is runnable or running is left as it is.
    bool wake(UnitId unit);

    // --- Figures (for tests, benchmarks and a future status line) ---
    // Nanoseconds charged to a VM / unit so far (0 for an unknown id).
    int64_t vm_run_ns(VmId vm) const;
    int64_t unit_run_ns(UnitId unit) const;
    // A VM's virtual time in virtual nanoseconds (run_ns * 100 / share, plus wake-up clamps).
    double vm_virtual_ns(VmId vm) const;
    // True if some unit is runnable (running or not): false means every unit halted or ended.
    bool any_runnable() const;
    // The VM a unit belongs to, or nullopt for an unknown id.
    std::optional<VmId> vm_of(UnitId unit) const;

private:
    struct Vm {
        double inverse_weight = 1;  // 100 / share_percent
        double virtual_ns = 0;
        int64_t run_ns = 0;
        int runnable_units = 0;  // runnable, running or not
        bool removed = false;
        std::vector<UnitId> units;
    };
    struct Unit {
        VmId vm = 0;
        int64_t run_ns = 0;   // charged time
        int64_t turn_ns = 0;  // run_ns, raised on wake-up: the order of turns within the VM
        uint64_t last_pick = 0;
        int last_thread = -1;
        bool runnable = true;
        bool running = false;
        bool removed = false;
    };

    // The least virtual time over VMs with a runnable unit, excluding `except`; nullopt if none.
    std::optional<double> min_busy_virtual_ns(VmId except) const;
    // The free runnable unit of `vm` that goes next, or -1.
    UnitId next_unit_of(const Vm& vm) const;
    void make_runnable(Unit& unit, UnitId id);

    mutable std::mutex mutex_;  // a leaf: nothing is called with it held
    std::vector<Vm> vms_;
    std::vector<Unit> units_;
    uint64_t picks_ = 0;
    double min_virtual_ns_ = 0;  // never decreases: the start of VMs added later
};

}  // namespace svm::sched
