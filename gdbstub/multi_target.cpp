#include "gdbstub/multi_target.h"

#include <fmt/format.h>

#include <algorithm>

namespace svm::gdb {

namespace {

TargetResult<void> no_process() {
    return target_error(3, "no such process");
}

}  // namespace

TargetResult<void> MultiTarget::add(int pid, std::string name, DebugTarget& target) {
    if (pid < 1 || pid > kMaxProcesses)
        return target_error(22, fmt::format("pid {} is outside 1..{}", pid, kMaxProcesses));
    auto at = std::lower_bound(vms_.begin(), vms_.end(), pid,
                               [](const Vm& vm, int p) { return vm.pid < p; });
    if (at != vms_.end() && at->pid == pid)
        return target_error(17, fmt::format("pid {} is already taken", pid));
    vms_.insert(at, Vm{pid, std::move(name), &target});
    return {};
}

StopReason MultiTarget::in_process(int pid, StopReason stop) {
    stop.thread = make_thread_id(pid, stop.thread);
    return stop;
}

MultiTarget::Vm* MultiTarget::find(int pid) {
    for (auto& vm : vms_) {
        if (vm.pid == pid && vm.attached) return &vm;
    }
    return nullptr;
}

MultiTarget::Vm* MultiTarget::owner(ThreadId thread) {
    return thread > 0 ? find(process_of(thread)) : nullptr;
}

MultiTarget::Vm* MultiTarget::first() {
    for (auto& vm : vms_) {
        if (vm.attached) return &vm;
    }
    return nullptr;
}

StopReason MultiTarget::attach() {
    // Every VM stops (all-stop); gdb gets the first VM's reason for '?'.
    std::optional<StopReason> reason;
    held_.reset();
    for (auto& vm : vms_) {
        StopReason own = in_process(vm.pid, vm.target->attach());
        vm.attached = true;
        vm.running = vm.interrupted = false;
        if (!reason) reason = own;
    }
    return reason.value_or(StopReason{});
}

void MultiTarget::detach() {
    for (auto& vm : vms_) {
        if (!vm.attached) continue;
        vm.attached = false;
        vm.target->detach();
    }
    held_.reset();
}

void MultiTarget::disconnect_stopped() {
    for (auto& vm : vms_) {
        if (!vm.attached) continue;
        vm.attached = false;
        vm.target->disconnect_stopped();
    }
    held_.reset();
}

void MultiTarget::kill() {
    for (auto& vm : vms_) {
        if (!vm.attached) continue;
        vm.attached = false;
        vm.target->kill();
    }
}

std::vector<ThreadId> MultiTarget::threads() {
    std::vector<ThreadId> all;
    for (auto& vm : vms_) {
        if (!vm.attached) continue;
        for (ThreadId t : vm.target->threads()) all.push_back(make_thread_id(vm.pid, t));
    }
    return all;
}

std::vector<int> MultiTarget::processes() {
    std::vector<int> pids;
    for (auto& vm : vms_) {
        if (vm.attached) pids.push_back(vm.pid);
    }
    return pids;
}

void MultiTarget::detach_process(int pid) {
    if (Vm* vm = find(pid)) {
        vm->attached = false;
        vm->running = true;  // it runs on, not debugged
        vm->target->detach();
    }
}

void MultiTarget::kill_process(int pid) {
    if (Vm* vm = find(pid)) {
        vm->attached = false;
        vm->target->kill();
    }
}

TargetResult<StopReason> MultiTarget::attach_process(int pid) {
    for (auto& vm : vms_) {
        if (vm.pid != pid) continue;
        if (vm.attached) return target_error(1, fmt::format("process {} is attached", pid));
        vm.attached = true;
        vm.running = vm.interrupted = false;
        return in_process(pid, vm.target->attach());
    }
    return target_error(3, "no such process");
}

std::string MultiTarget::thread_extra_info(ThreadId thread) {
    Vm* vm = owner(thread);
    if (!vm) return "no such thread";
    return fmt::format("{}: {}", vm->name, vm->target->thread_extra_info(local_thread(thread)));
}

TargetResult<x86_64::RegisterFile> MultiTarget::read_registers(ThreadId thread) {
    Vm* vm = owner(thread);
    if (!vm) return target_error(3, "no such thread");
    return vm->target->read_registers(local_thread(thread));
}

TargetResult<void> MultiTarget::write_registers(ThreadId thread, const x86_64::RegisterFile& regs) {
    Vm* vm = owner(thread);
    if (!vm) return target_error(3, "no such thread");
    return vm->target->write_registers(local_thread(thread), regs);
}

TargetResult<size_t> MultiTarget::read_memory(ThreadId thread, uint64_t addr,
                                              std::span<uint8_t> out) {
    Vm* vm = owner(thread);
    if (!vm) return target_error(3, "no such thread");
    return vm->target->read_memory(local_thread(thread), addr, out);
}

TargetResult<size_t> MultiTarget::write_memory(ThreadId thread, uint64_t addr,
                                               std::span<const uint8_t> in) {
    Vm* vm = owner(thread);
    if (!vm) return target_error(3, "no such thread");
    return vm->target->write_memory(local_thread(thread), addr, in);
}

bool MultiTarget::supports(BreakpointType type) {
    // gdb asks once for the whole target: every VM must support the type.
    bool any = false;
    for (auto& vm : vms_) {
        if (!vm.target->supports(type)) return false;
        any = true;
    }
    return any;
}

TargetResult<void> MultiTarget::insert_breakpoint(BreakpointType type, uint64_t addr,
                                                  uint64_t kind) {
    for (int pid : processes()) {
        if (auto done = insert_breakpoint_in(pid, type, addr, kind); !done) return done;
    }
    return {};
}

TargetResult<void> MultiTarget::remove_breakpoint(BreakpointType type, uint64_t addr,
                                                  uint64_t kind) {
    TargetResult<void> result;
    for (int pid : processes()) {
        if (auto done = remove_breakpoint_in(pid, type, addr, kind); !done) result = done;
    }
    return result;
}

TargetResult<void> MultiTarget::insert_breakpoint_in(int pid, BreakpointType type, uint64_t addr,
                                                     uint64_t kind) {
    Vm* vm = find(pid);
    if (!vm) return no_process();
    return vm->target->insert_breakpoint(type, addr, kind);
}

TargetResult<void> MultiTarget::remove_breakpoint_in(int pid, BreakpointType type, uint64_t addr,
                                                     uint64_t kind) {
    Vm* vm = find(pid);
    if (!vm) return no_process();
    return vm->target->remove_breakpoint(type, addr, kind);
}

bool MultiTarget::supports_memory_regions() {
    Vm* vm = first();
    return vm && vm->target->supports_memory_regions();
}

TargetResult<MemoryRegion> MultiTarget::memory_region(ThreadId thread, uint64_t addr) {
    Vm* vm = owner(thread);
    if (!vm) return target_error(3, "no such thread");
    return vm->target->memory_region(local_thread(thread), addr);
}

TargetResult<void> MultiTarget::resume(std::span<const ResumeAction> actions) {
    held_.reset();
    bool resumed_any = false;
    std::vector<ResumeAction> own;
    for (auto& vm : vms_) {
        if (!vm.attached) continue;
        // The actions for this VM, in order (the first that matches a thread still wins), with
        // its own thread ids. 't' (stay stopped) needs no resume in all-stop.
        own.clear();
        bool runs = false;
        for (const auto& a : actions) {
            ResumeAction mine = a;
            if (a.thread != -1) {
                if (process_of(a.thread) != vm.pid) continue;
                mine.thread = local_thread(a.thread);
            } else if (a.process != 0 && a.process != vm.pid) {
                continue;
            }
            mine.process = 0;
            runs = runs || a.kind != ResumeAction::Kind::Stop;
            own.push_back(mine);
        }
        if (!runs) continue;
        auto done = vm.target->resume(own);
        if (!done) {
            // FIXME: the VMs resumed before this one are interrupted again; gdb gets the error
            // and their SIGINT stop is only kept for '?'.
            if (resumed_any) stop_running();
            return done;
        }
        vm.running = true;
        vm.interrupted = false;
        resumed_any = true;
    }
    if (!resumed_any) return target_error(3, "the actions resume no attached process");
    return {};
}

bool MultiTarget::stop_running() {
    bool any = false;
    for (auto& vm : vms_) {
        if (!vm.attached || !vm.running) continue;
        any = true;
        if (vm.interrupted) continue;
        vm.interrupted = true;
        vm.target->interrupt();
    }
    return any;
}

void MultiTarget::interrupt() {
    stop_running();
}

std::optional<StopReason> MultiTarget::filter_stop(const StopReason& stop) {
    Vm* vm = owner(stop.thread);
    if (!vm) return std::nullopt;  // a detached VM: not gdb's business any more
    vm->running = false;
    // The stop gdb gets: the first, unless that was a SIGINT and a real event came in meanwhile.
    if (!held_ || (held_->signal == sig::kInt && held_->kind == StopReason::Kind::Signal &&
                   stop.signal != sig::kInt))
        held_ = stop;
    if (stop.kind == StopReason::Kind::Exited) vm->attached = false;  // gdb mourns it
    // All-stop (GDB manual E.2 vCont, "all-stop mode"): gdb hears of the stop only once no VM
    // runs any more.
    if (stop_running()) return std::nullopt;
    auto out = std::move(held_);
    held_.reset();
    return out;
}

std::optional<std::string> MultiTarget::monitor(std::string_view command) {
    Vm* vm = first();
    if (!vm) return std::nullopt;
    return vm->target->monitor(command);
}

std::optional<std::string> MultiTarget::monitor_in(int pid, std::string_view command) {
    Vm* vm = find(pid);
    if (!vm) vm = first();
    if (!vm) return std::nullopt;
    return vm->target->monitor(command);
}

std::string MultiTarget::architecture() {
    Vm* vm = first();
    return vm ? vm->target->architecture() : "i386:x86-64";
}

std::optional<std::string> MultiTarget::exec_file() {
    Vm* vm = first();
    return vm ? vm->target->exec_file() : std::nullopt;
}

std::optional<std::string> MultiTarget::exec_file_of(int pid) {
    Vm* vm = find(pid);
    return vm ? vm->target->exec_file() : std::nullopt;
}

TargetResult<std::vector<uint8_t>> MultiTarget::read_exec_file(uint64_t offset, size_t length) {
    Vm* vm = first();
    if (!vm) return target_error(1, "not supported");
    return vm->target->read_exec_file(offset, length);
}

std::optional<uint64_t> MultiTarget::exec_file_size() {
    Vm* vm = first();
    return vm ? vm->target->exec_file_size() : std::nullopt;
}

}  // namespace svm::gdb
