#include "core/machine/exit_stats.h"

#include <fmt/format.h>
#include <linux/kvm.h>
#include <svm/hypercall.h>

#include <algorithm>
#include <vector>

namespace svm {

const char* exit_reason_name(uint32_t reason) {
    switch (reason) {
        case KVM_EXIT_UNKNOWN:
            return "UNKNOWN";
        case KVM_EXIT_EXCEPTION:
            return "EXCEPTION";
        case KVM_EXIT_IO:
            return "IO";
        case KVM_EXIT_HYPERCALL:
            return "HYPERCALL";
        case KVM_EXIT_DEBUG:
            return "DEBUG";
        case KVM_EXIT_HLT:
            return "HLT";
        case KVM_EXIT_MMIO:
            return "MMIO";
        case KVM_EXIT_IRQ_WINDOW_OPEN:
            return "IRQ_WINDOW_OPEN";
        case KVM_EXIT_SHUTDOWN:
            return "SHUTDOWN";
        case KVM_EXIT_FAIL_ENTRY:
            return "FAIL_ENTRY";
        case KVM_EXIT_INTR:
            return "INTR";
        case KVM_EXIT_SET_TPR:
            return "SET_TPR";
        case KVM_EXIT_TPR_ACCESS:
            return "TPR_ACCESS";
        case KVM_EXIT_NMI:
            return "NMI";
        case KVM_EXIT_INTERNAL_ERROR:
            return "INTERNAL_ERROR";
        case KVM_EXIT_SYSTEM_EVENT:
            return "SYSTEM_EVENT";
        case KVM_EXIT_IOAPIC_EOI:
            return "IOAPIC_EOI";
        case KVM_EXIT_X86_RDMSR:
            return "X86_RDMSR";
        case KVM_EXIT_X86_WRMSR:
            return "X86_WRMSR";
        default:
            return "OTHER";
    }
}

int64_t ExitStats::for_hypercall_kind(uint64_t kind) const {
    switch (kind) {
        case SVM_EXITS_TOTAL:
            return static_cast<int64_t>(total());
        case SVM_EXITS_IO:
            return static_cast<int64_t>(reason(KVM_EXIT_IO));
        case SVM_EXITS_MMIO:
            return static_cast<int64_t>(reason(KVM_EXIT_MMIO));
        case SVM_EXITS_HLT:
            return static_cast<int64_t>(reason(KVM_EXIT_HLT));
        case SVM_EXITS_DEBUG:
            return static_cast<int64_t>(reason(KVM_EXIT_DEBUG));
        case SVM_EXITS_OTHER:
            return static_cast<int64_t>(total() - reason(KVM_EXIT_IO) - reason(KVM_EXIT_MMIO) -
                                        reason(KVM_EXIT_HLT) - reason(KVM_EXIT_DEBUG));
        default:
            return -1;
    }
}

std::string ExitStats::format_table() const {
    std::string out = fmt::format("VM exits: {} in total\n", total());
    out += fmt::format("  {:<16} {:>12}\n", "reason", "count");
    for (uint32_t r = 0; r < kReasons; ++r)
        if (uint64_t n = reason(r)) out += fmt::format("  {:<16} {:>12}\n", exit_reason_name(r), n);
    std::vector<std::pair<uint64_t, uint32_t>> ports;
    for (uint32_t p = 0; p < by_port_.size(); ++p)
        if (uint64_t n = by_port_[p].load(std::memory_order_relaxed)) ports.emplace_back(n, p);
    std::sort(ports.rbegin(), ports.rend());
    if (!ports.empty()) out += fmt::format("  {:<16} {:>12}\n", "I/O port", "exits");
    for (size_t i = 0; i < ports.size() && i < 10; ++i)
        out += fmt::format("  {:<#16x} {:>12}\n", ports[i].second, ports[i].first);
    return out;
}

}  // namespace svm
