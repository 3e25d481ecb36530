#include "core/debug/software_breakpoints.h"

namespace svm {

Result<void> SoftwareBreakpoints::insert(GuestMemory& memory, uint64_t gpa) {
    if (auto it = breakpoints_.find(gpa); it != breakpoints_.end()) {
        ++it->second.count;
        return {};
    }
    uint8_t original = TRY(memory.read_obj<uint8_t>(gpa));
    TRY(memory.write_obj<uint8_t>(gpa, opcode_));
    breakpoints_.emplace(gpa, Breakpoint{original, 1});
    return {};
}

Result<void> SoftwareBreakpoints::remove(GuestMemory& memory, uint64_t gpa) {
    auto it = breakpoints_.find(gpa);
    if (it == breakpoints_.end()) return error("no breakpoint at physical {:#x}", gpa);
    if (--it->second.count > 0) return {};
    // Restore only if the guest has not replaced the trap byte meanwhile.
    if (memory.read_obj<uint8_t>(gpa).value_or(0) == opcode_)
        TRY(memory.write_obj<uint8_t>(gpa, it->second.original));
    breakpoints_.erase(it);
    return {};
}

void SoftwareBreakpoints::remove_all(GuestMemory& memory) {
    for (auto& [gpa, bp] : breakpoints_)
        if (memory.read_obj<uint8_t>(gpa).value_or(0) == opcode_)
            (void)memory.write_obj<uint8_t>(gpa, bp.original);
    breakpoints_.clear();
}

void SoftwareBreakpoints::hide(uint64_t gpa, std::span<uint8_t> data) const {
    for (auto it = breakpoints_.lower_bound(gpa);
         it != breakpoints_.end() && it->first - gpa < data.size(); ++it) {
        uint8_t& byte = data[it->first - gpa];
        if (byte == opcode_) byte = it->second.original;
    }
}

Result<void> SoftwareBreakpoints::write_through(GuestMemory& memory, uint64_t gpa,
                                                std::span<const uint8_t> data) {
    TRY(memory.write(gpa, data));
    for (auto it = breakpoints_.lower_bound(gpa);
         it != breakpoints_.end() && it->first - gpa < data.size(); ++it) {
        it->second.original = data[it->first - gpa];
        TRY(memory.write_obj<uint8_t>(it->first, opcode_));
    }
    return {};
}

bool SoftwareBreakpoints::any_in(uint64_t gpa, uint64_t length) const {
    auto it = breakpoints_.lower_bound(gpa);
    return it != breakpoints_.end() && it->first - gpa < length;
}

std::set<uint64_t> SoftwareBreakpoints::pages() const {
    std::set<uint64_t> pages;
    for (auto& [gpa, bp] : breakpoints_) pages.insert(gpa & ~uint64_t{0xfff});
    return pages;
}

int SoftwareBreakpoints::rearm(GuestMemory& memory) {
    int rearmed = 0;
    for (auto& [gpa, bp] : breakpoints_) {
        auto byte = memory.read_obj<uint8_t>(gpa);
        if (byte && *byte != opcode_) {
            bp.original = *byte;
            (void)memory.write_obj<uint8_t>(gpa, opcode_);
            ++rearmed;
        }
    }
    return rearmed;
}

}  // namespace svm
