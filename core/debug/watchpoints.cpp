#include "core/debug/watchpoints.h"

#include <algorithm>

namespace svm {

void Watchpoints::add(WatchType type, uint64_t vaddr, uint64_t length, std::vector<Piece> pieces) {
    watchpoints_.push_back({type, vaddr, length, std::move(pieces)});
}

bool Watchpoints::remove(WatchType type, uint64_t vaddr, uint64_t length) {
    auto it = std::find_if(watchpoints_.begin(), watchpoints_.end(), [&](const Watchpoint& w) {
        return w.type == type && w.vaddr == vaddr && w.length == length;
    });
    if (it == watchpoints_.end()) return false;
    watchpoints_.erase(it);
    return true;
}

std::map<uint64_t, PageAccess> Watchpoints::page_access() const {
    std::map<uint64_t, PageAccess> pages;
    for (const Watchpoint& w : watchpoints_) {
        PageAccess access = w.type == WatchType::Write ? PageAccess::ReadOnly : PageAccess::None;
        for (const Piece& p : w.pieces) {
            for (uint64_t page = p.gpa & ~0xfffull; page < p.gpa + p.length; page += 0x1000) {
                auto [it, inserted] = pages.emplace(page, access);
                if (!inserted && access == PageAccess::None) it->second = PageAccess::None;
            }
        }
    }
    return pages;
}

std::optional<Watchpoints::Hit> Watchpoints::match(uint64_t gpa, uint64_t length,
                                                   bool is_write) const {
    for (const Watchpoint& w : watchpoints_) {
        bool relevant = w.type == WatchType::Access || (w.type == WatchType::Write) == is_write;
        if (!relevant) continue;
        for (const Piece& p : w.pieces) {
            uint64_t start = std::max(gpa, p.gpa);
            uint64_t end = std::min(gpa + length, p.gpa + p.length);
            if (start < end) return Hit{w.type, p.vaddr + (start - p.gpa)};
        }
    }
    return std::nullopt;
}

}  // namespace svm
