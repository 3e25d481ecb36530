#include "core/sched/share_scheduler.h"

#include <algorithm>

#include "core/result.h"

namespace svm::sched {

VmId ShareScheduler::add_vm(double share_percent) {
    SVM_ASSERT(share_percent > 0);
    std::lock_guard lock(mutex_);
    Vm vm;
    vm.inverse_weight = 100.0 / share_percent;
    vm.virtual_ns = min_virtual_ns_;
    vms_.push_back(std::move(vm));
    return static_cast<VmId>(vms_.size() - 1);
}

UnitId ShareScheduler::add_unit(VmId vm_id) {
    std::lock_guard lock(mutex_);
    SVM_ASSERT(vm_id >= 0 && static_cast<size_t>(vm_id) < vms_.size());
    Vm& vm = vms_[vm_id];
    SVM_ASSERT(!vm.removed);
    const auto id = static_cast<UnitId>(units_.size());
    Unit unit;
    unit.vm = vm_id;
    unit.runnable = false;
    units_.push_back(unit);
    vm.units.push_back(id);
    make_runnable(units_.back(), id);
    return id;
}

void ShareScheduler::remove_vm(VmId vm_id) {
    std::lock_guard lock(mutex_);
    if (vm_id < 0 || static_cast<size_t>(vm_id) >= vms_.size()) return;
    Vm& vm = vms_[vm_id];
    vm.removed = true;
    vm.runnable_units = 0;
    for (UnitId id : vm.units) {
        units_[id].removed = true;
        units_[id].runnable = false;
    }
}

std::optional<double> ShareScheduler::min_busy_virtual_ns(VmId except) const {
    std::optional<double> least;
    for (size_t i = 0; i < vms_.size(); ++i) {
        const Vm& vm = vms_[i];
        if (static_cast<VmId>(i) == except || vm.removed || vm.runnable_units == 0) continue;
        if (!least || vm.virtual_ns < *least) least = vm.virtual_ns;
    }
    return least;
}

void ShareScheduler::make_runnable(Unit& unit, UnitId id) {
    Vm& vm = vms_[unit.vm];
    // The unit catches up with the VM's least-run runnable unit, so it cannot take its VM's
    // whole time for as long as it slept.
    std::optional<int64_t> least_turn;
    for (UnitId other : vm.units) {
        const Unit& u = units_[other];
        if (other == id || !u.runnable) continue;
        if (!least_turn || u.turn_ns < *least_turn) least_turn = u.turn_ns;
    }
    if (least_turn) unit.turn_ns = std::max(unit.turn_ns, *least_turn);
    if (vm.runnable_units == 0) {
        // The VM wakes: it does not bank the credit of its sleep (CFS's min_vruntime clamp).
        const double floor = std::max(min_virtual_ns_, min_busy_virtual_ns(unit.vm).value_or(0));
        vm.virtual_ns = std::max(vm.virtual_ns, floor);
    }
    unit.runnable = true;
    ++vm.runnable_units;
}

UnitId ShareScheduler::next_unit_of(const Vm& vm) const {
    UnitId best = -1;
    for (UnitId id : vm.units) {
        const Unit& u = units_[id];
        if (!u.runnable || u.running) continue;
        if (best < 0) {
            best = id;
            continue;
        }
        const Unit& b = units_[best];
        if (u.turn_ns < b.turn_ns || (u.turn_ns == b.turn_ns && u.last_pick < b.last_pick))
            best = id;
    }
    return best;
}

std::optional<UnitId> ShareScheduler::pick(int thread) {
    std::lock_guard lock(mutex_);
    // O(VMs x units) per pick: svm runs a handful of VMs with a few vCPUs each.
    UnitId chosen = -1;
    double chosen_virtual = 0;
    for (const Vm& vm : vms_) {
        if (vm.removed || vm.runnable_units == 0) continue;
        if (chosen >= 0 && vm.virtual_ns >= chosen_virtual) continue;
        UnitId id = next_unit_of(vm);
        if (id < 0) continue;
        chosen = id;
        chosen_virtual = vm.virtual_ns;
    }
    if (chosen < 0) return std::nullopt;
    Unit& unit = units_[chosen];
    unit.running = true;
    unit.last_pick = ++picks_;
    unit.last_thread = thread;
    return chosen;
}

bool ShareScheduler::finish(UnitId id, int64_t ran_ns, SliceEnd end) {
    std::lock_guard lock(mutex_);
    if (id < 0 || static_cast<size_t>(id) >= units_.size()) return false;
    Unit& unit = units_[id];
    if (!unit.running) return false;
    unit.running = false;
    if (unit.removed) return false;
    Vm& vm = vms_[unit.vm];
    ran_ns = std::max<int64_t>(ran_ns, 0);
    unit.run_ns += ran_ns;
    unit.turn_ns += ran_ns;
    vm.run_ns += ran_ns;
    vm.virtual_ns += static_cast<double>(ran_ns) * vm.inverse_weight;
    if (end != SliceEnd::Preempted && unit.runnable) {
        unit.runnable = false;
        --vm.runnable_units;
    }
    if (end == SliceEnd::Finished) unit.removed = true;
    if (auto least = min_busy_virtual_ns(-1)) min_virtual_ns_ = std::max(min_virtual_ns_, *least);
    return true;
}

bool ShareScheduler::wake(UnitId id) {
    std::lock_guard lock(mutex_);
    if (id < 0 || static_cast<size_t>(id) >= units_.size()) return false;
    Unit& unit = units_[id];
    if (unit.removed) return false;
    if (!unit.runnable) make_runnable(unit, id);
    return true;
}

int64_t ShareScheduler::vm_run_ns(VmId vm) const {
    std::lock_guard lock(mutex_);
    if (vm < 0 || static_cast<size_t>(vm) >= vms_.size()) return 0;
    return vms_[vm].run_ns;
}

int64_t ShareScheduler::unit_run_ns(UnitId unit) const {
    std::lock_guard lock(mutex_);
    if (unit < 0 || static_cast<size_t>(unit) >= units_.size()) return 0;
    return units_[unit].run_ns;
}

double ShareScheduler::vm_virtual_ns(VmId vm) const {
    std::lock_guard lock(mutex_);
    if (vm < 0 || static_cast<size_t>(vm) >= vms_.size()) return 0;
    return vms_[vm].virtual_ns;
}

bool ShareScheduler::any_runnable() const {
    std::lock_guard lock(mutex_);
    return std::any_of(vms_.begin(), vms_.end(),
                       [](const Vm& vm) { return !vm.removed && vm.runnable_units > 0; });
}

std::optional<VmId> ShareScheduler::vm_of(UnitId unit) const {
    std::lock_guard lock(mutex_);
    if (unit < 0 || static_cast<size_t>(unit) >= units_.size()) return std::nullopt;
    return units_[unit].vm;
}

}  // namespace svm::sched
