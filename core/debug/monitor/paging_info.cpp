#include "core/debug/monitor/paging_info.h"

#include <fmt/format.h>

#include <optional>

#include "core/debug/monitor/page_mappings.h"

namespace svm {

namespace {

// Collects output lines up to a cap and counts the rest.
class CappedLines {
public:
    explicit CappedLines(size_t max) : max_(max) {}
    void add(std::string line) {
        if (lines_ < max_) {
            out_ += line;
            ++lines_;
        } else {
            ++dropped_;
        }
    }
    std::string finish() {
        if (dropped_) out_ += fmt::format("... ({} more lines)\n", dropped_);
        return std::move(out_);
    }

private:
    size_t max_;
    size_t lines_ = 0;
    size_t dropped_ = 0;
    std::string out_;
};

}  // namespace

std::string format_info_mem(const GuestMemory& mem, const PagingRegs& regs, size_t max_lines) {
    if (paging_mode(regs) == PagingMode::None) return "PG disabled\n";
    CappedLines out(max_lines);
    struct Run {
        uint64_t start, end;
        bool user, writable;
    };
    std::optional<Run> run;
    auto flush = [&] {
        if (!run) return;
        out.add(fmt::format("{:016x}-{:016x} {:016x} {}r{}\n", run->start, run->end,
                            run->end - run->start, run->user ? 'u' : '-',
                            run->writable ? 'w' : '-'));
    };
    for_each_mapping(mem, regs, [&](const PageMapping& m) {
        if (run && run->end == m.linear && run->user == m.user && run->writable == m.writable) {
            run->end = m.linear + m.size;
            return true;
        }
        flush();
        run = Run{m.linear, m.linear + m.size, m.user, m.writable};
        return true;
    });
    flush();
    return out.finish();
}

std::string format_info_tlb(const GuestMemory& mem, const PagingRegs& regs, size_t max_lines) {
    if (paging_mode(regs) == PagingMode::None) return "PG disabled\n";
    CappedLines out(max_lines);
    for_each_mapping(mem, regs, [&](const PageMapping& m) {
        auto bit = [&](int n, char c) { return (m.entry >> n) & 1 ? c : '-'; };
        out.add(fmt::format("{:016x}: {:016x} {}{}{}{}{}{}{}{}{}\n", m.linear, m.gpa, bit(63, 'X'),
                            bit(8, 'G'), m.large ? bit(7, 'P') : '-', bit(6, 'D'), bit(5, 'A'),
                            bit(4, 'C'), bit(3, 'T'), bit(2, 'U'), bit(1, 'W')));
        return true;
    });
    return out.finish();
}

std::string format_gva2gpa(const GuestMemory& mem, const PagingRegs& regs, uint64_t gva) {
    auto t = translate(mem, regs, gva);
    if (!t) return "Unmapped\n";
    return fmt::format("gpa: {:#x}\n", t->gpa);
}

}  // namespace svm
