#include "core/machine/hypercalls.h"

#include <svm/hypercall.h>

#include <vector>

#include "core/log.h"
#include "core/machine/exit_stats.h"
#include "core/x86_64/page_walker.h"

namespace svm {

namespace {

constexpr int kMaxBadCallsLogged = 20;

uint64_t err(long e) {
    return static_cast<uint64_t>(static_cast<int64_t>(e));
}

std::string format_value(uint64_t value, uint64_t format, int width_bits) {
    if (format == SVM_FMT_DEC) return fmt::format("{}", value);
    return fmt::format("{:#0{}x}", value, width_bits / 4 + 2);
}

}  // namespace

template <typename... Args>
void Hypercalls::log_bad_call(fmt::format_string<Args...> format, Args&&... args) {
    int n = bad_calls_logged_.fetch_add(1, std::memory_order_relaxed);
    if (n < kMaxBadCallsLogged)
        log::info("hypercall: {}", fmt::format(format, std::forward<Args>(args)...));
    else if (n == kMaxBadCallsLogged)
        log::info("hypercall: more bad hypercalls; no longer logging them");
}

void Hypercalls::handle(HypercallRegs& regs, int vcpu_index,
                        const std::function<Result<CpuState>()>& cpu_state) {
    const uint32_t nr = static_cast<uint32_t>(regs.rax);
    auto print = [&](const std::string& s) {
        deps_.console(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
    };
    switch (nr) {
        case SVM_HC_EXIT:
            deps_.exit(static_cast<int>(regs.rbx & 0xff));
            regs.rax = 0;
            return;
        case SVM_HC_PUTCHAR: {
            uint8_t c = static_cast<uint8_t>(regs.rbx);
            deps_.console(std::span(&c, 1));
            regs.rax = 0;
            return;
        }
        case SVM_HC_PRINT_U32:
            print(format_value(static_cast<uint32_t>(regs.rbx), regs.rcx & 0xffffffff, 32));
            regs.rax = 0;
            return;
        case SVM_HC_CPU_INDEX:
            regs.rax = static_cast<uint64_t>(vcpu_index);
            return;
        case SVM_HC_EXIT_COUNT: {
            int64_t n = deps_.stats.for_hypercall_kind(regs.rbx & 0xffffffff);
            regs.rax = n < 0 ? err(SVM_E_INVAL) : static_cast<uint64_t>(n);
            return;
        }
        case SVM_HC_GETCHAR: {
            auto c = deps_.getchar();
            regs.rax = c ? *c : err(SVM_E_AGAIN);
            return;
        }
        default:
            break;
    }

    // The remaining calls depend on the CPU mode or the page tables.
    auto state = cpu_state();
    if (!state) {
        log_bad_call("cannot read vCPU {} state: {}", vcpu_index, state.error().message);
        regs.rax = err(SVM_E_INVAL);
        return;
    }
    const bool wide = code_bits(*state) == 64;
    auto arg = [&](uint64_t r) { return wide ? r : (r & 0xffffffff); };
    const PagingRegs paging = PagingRegs::from(*state);
    switch (nr) {
        case SVM_HC_PRINT_U64: {
            uint64_t value =
                wide ? regs.rbx : ((regs.rcx & 0xffffffff) << 32 | (regs.rbx & 0xffffffff));
            print(format_value(value, arg(regs.rsi), 64));
            regs.rax = 0;
            return;
        }
        case SVM_HC_WRITE: {
            uint64_t va = arg(regs.rbx), len = arg(regs.rcx);
            if (len > kMaxWrite || len > deps_.memory.size()) {
                log_bad_call("WRITE of {} bytes at {:#x} is longer than the {} byte limit", len, va,
                             kMaxWrite);
                regs.rax = err(SVM_E_FAULT);
                return;
            }
            std::vector<uint8_t> buf(len);
            auto n = len ? read_linear(deps_.memory, paging, va, buf) : Result<size_t>(0);
            if (!n || *n != len) {
                log_bad_call("WRITE buffer {:#x}+{:#x} is not mapped guest RAM{}", va, len,
                             n ? "" : ": " + n.error().message);
                regs.rax = err(SVM_E_FAULT);
                return;
            }
            deps_.console(buf);
            regs.rax = len;
            return;
        }
        case SVM_HC_START_CPU: {
            int64_t r = deps_.start_cpu ? deps_.start_cpu(vcpu_index, regs, *state) : SVM_E_INVAL;
            if (r < 0)
                log_bad_call("START_CPU {} from vCPU {}: no such CPU, or it has started", regs.rbx,
                             vcpu_index);
            regs.rax = static_cast<uint64_t>(r);
            return;
        }
        case SVM_HC_TRANSLATE: {
            auto t = translate(deps_.memory, paging, arg(regs.rbx));
            if (!t) {
                log_bad_call("TRANSLATE {:#x}: {}", arg(regs.rbx), t.error().message);
                regs.rax = err(SVM_E_FAULT);
                return;
            }
            regs.rax = t->gpa;
            return;
        }
        default:
            log_bad_call("unknown function {} from vCPU {}", nr, vcpu_index);
            regs.rax = err(SVM_E_INVAL);
            return;
    }
}

}  // namespace svm
