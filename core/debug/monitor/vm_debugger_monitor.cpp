// VmDebugger::monitor: gdb's `monitor` commands on the live VM. The commands themselves are in
// monitor_commands.cpp, over a MonitorContext that this file fills from the machine.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "core/debug/monitor/monitor_commands.h"
#include "core/debug/vm_debugger.h"
#include "core/log.h"

namespace svm {

namespace {

// A kernel ELF may carry far more debug information than it loads; svm reads at most this much
// of it for symbols (as for loading it, core/machine/machine.cpp).
constexpr std::streamsize kMaxSymbolFile = std::streamsize{1} << 30;

}  // namespace

const ElfSymbols* VmDebugger::kernel_symbols() {
    if (!symbols_loaded_) {
        symbols_loaded_ = true;
        if (!deps_.image.is_elf) return nullptr;
        std::ifstream in(deps_.kernel_path, std::ios::binary);
        in.seekg(0, std::ios::end);
        std::streamsize size = in ? static_cast<std::streamsize>(in.tellg()) : -1;
        if (size <= 0 || size > kMaxSymbolFile) return nullptr;
        in.seekg(0);
        std::vector<uint8_t> file(static_cast<size_t>(size));
        if (!in.read(reinterpret_cast<char*>(file.data()), size)) return nullptr;
        auto symbols = ElfSymbols::parse(file);
        if (!symbols) {
            log::verbose("debugger: no symbols from {}: {}", deps_.kernel_path,
                         symbols.error().message);
            return nullptr;
        }
        symbols_ = std::move(*symbols);
    }
    return symbols_ && !symbols_->empty() ? &*symbols_ : nullptr;
}

void VmDebugger::end_run(std::function<void()> end) {
    attached_.store(false, std::memory_order_release);
    // The stop is queued behind the reply to this packet on the server thread, so the reply goes
    // out before svm ends (see kill()).
    gdb::StopReason killed;
    killed.signal = gdb::sig::kKill;
    if (notify_)
        notify_(killed, std::move(end));
    else
        end();
}

std::optional<std::string> VmDebugger::monitor(std::string_view command) {
    const int cpus = static_cast<int>(deps_.vcpus.size());
    MonitorContext ctx{deps_.memory};
    ctx.cpu_count = cpus;
    ctx.current_cpu = std::clamp(last_stop_.thread - 1, 0, std::max(cpus - 1, 0));
    ctx.registers = [this](int cpu) -> Result<VcpuRegisters> {
        auto regs = registers(cpu + 1);
        if (!regs) return error("{}", regs.error().message);
        return *regs;
    };
    ctx.halted = [this](int cpu) {
        Vcpu* v = vcpu_for(cpu + 1);
        auto regs = registers(cpu + 1);
        return (v && v->halted()) || (regs && regs->mp_state == KVM_MP_STATE_HALTED);
    };
    ctx.state_words = [this](int cpu) {
        // thread_extra_info: "vCPU 0, long mode, CPL 0, halted"; drop the "vCPU 0, ".
        std::string words = thread_extra_info(cpu + 1);
        auto comma = words.find(", ");
        return comma == std::string::npos ? words : words.substr(comma + 2);
    };
    ctx.thread_id = [this](int cpu) -> std::optional<long> {
        Vcpu* v = vcpu_for(cpu + 1);
        if (!v) return std::nullopt;
        long tid = 0;
        auto r = v->run_on_thread([&](Vcpu&) -> Result<void> {
            tid = static_cast<long>(gettid());
            return {};
        });
        if (!r) return std::nullopt;
        return tid;
    };
    ctx.debug_registers = [this] {
        std::lock_guard lock(mutex_);
        return debug_registers();
    };
    ctx.read_physical = [this](uint64_t gpa, std::span<uint8_t> out) -> size_t {
        const GuestMemory& mem = deps_.memory;
        if (gpa >= mem.size()) return 0;
        auto piece =
            out.first(static_cast<size_t>(std::min<uint64_t>(out.size(), mem.size() - gpa)));
        if (!mem.read(gpa, piece)) return 0;
        std::lock_guard lock(mutex_);
        software_.hide(gpa, piece);  // gdb's own int3 bytes read as the guest's
        return piece.size();
    };
    ctx.symbolize = [this](uint64_t addr) {
        const ElfSymbols* symbols = kernel_symbols();
        return symbols ? symbols->describe(addr) : std::string();
    };
    ctx.memory_map = deps_.memory_map;
    ctx.devices = deps_.devices;
    ctx.exits = deps_.exit_table;
    ctx.screen = deps_.screen_text;
    ctx.screendump = deps_.screendump;
    if (deps_.reset)
        ctx.system_reset = [this] {
            end_run(deps_.reset);
            return std::string(
                "system_reset: svm does not reboot a guest; the run ends as for a guest reset "
                "request (exit code 116)\n");
        };
    if (deps_.kill)
        ctx.quit = [this] {
            end_run(deps_.kill);
            return std::string("quit: svm ends\n");
        };
    ctx.physical = &physical_;
    ctx.catch_vectors = &catch_vectors_;
    return run_monitor_command(ctx, command);
}

}  // namespace svm
