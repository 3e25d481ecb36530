// The svm hypercall port (<svm/hypercall.h>): one `out dx, eax` with DX = SVM_HYPERCALL_PORT.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>

#include "core/guest_memory.h"
#include "core/result.h"
#include "core/x86_64/cpu_state.h"
#include "devices/bus_device.h"

namespace svm {

class ExitStats;

// The registers of the hypercall ABI. RAX holds the function number in and the result out.
struct HypercallRegs {
    uint64_t rax, rbx, rcx, rsi, rdi;
};

class Hypercalls {
public:
    struct Deps {
        GuestMemory& memory;
        OutputSink console;
        const ExitStats& stats;
        std::function<std::optional<uint8_t>()> getchar;  // next console input byte, if any
        std::function<void(int code)> exit;               // the guest asked to end the run
        // SVM_HC_START_CPU: (calling vCPU, the call's registers, the caller's state) -> result.
        std::function<int64_t(int, const HypercallRegs&, const CpuState&)> start_cpu;
    };

    explicit Hypercalls(Deps deps) : deps_(std::move(deps)) {}

    // Performs function `regs.rax` for vCPU `vcpu_index` and stores the result in `regs.rax`.
    // `cpu_state` fetches the vCPU's full state for the calls that need the mode or the page
    // tables (WRITE, TRANSLATE, PRINT_U64, START_CPU); it is not called otherwise. Never fails: bad
    // arguments give SVM_E_* in RAX and a log line.
    void handle(HypercallRegs& regs, int vcpu_index,
                const std::function<Result<CpuState>()>& cpu_state);

    // The next byte typed on svm's standard input (COM1's receive queue), if any: SVM_HC_GETCHAR's
    // source, shared with --compat mini-kvm's GETCHAR. Thread-safe.
    std::optional<uint8_t> take_console_input() { return deps_.getchar(); }

    static constexpr uint64_t kMaxWrite = 1 << 20;

private:
    template <typename... Args>
    void log_bad_call(fmt::format_string<Args...> format, Args&&... args);

    Deps deps_;
    std::atomic<int> bad_calls_logged_{0};
};

}  // namespace svm
