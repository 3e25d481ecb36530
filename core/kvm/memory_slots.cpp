#include "core/kvm/memory_slots.h"

#include <algorithm>

namespace svm {
namespace {

using Slot = MemorySlots::Slot;

// The wanted layout, by address: runs of read/write RAM between the special pages; adjacent
// read-only pages share a slot, absent pages have none.
std::vector<Slot> layout(uint64_t ram_size, const std::map<uint64_t, PageAccess>& pages) {
    std::vector<Slot> wanted;
    uint64_t cursor = 0;
    auto add = [&](uint64_t gpa, uint64_t size, bool read_only) {
        if (size == 0) return;
        if (!wanted.empty() && wanted.back().read_only == read_only &&
            wanted.back().gpa + wanted.back().size == gpa)
            wanted.back().size += size;
        else
            wanted.push_back({0, gpa, size, read_only});
    };
    for (auto [page, access] : pages) {
        if (page >= ram_size) break;
        add(cursor, page - cursor, false);
        if (access == PageAccess::ReadOnly) add(page, 4096, true);
        cursor = page + 4096;
    }
    add(cursor, ram_size > cursor ? ram_size - cursor : 0, false);
    return wanted;
}

bool same_range(const Slot& a, const Slot& b) {
    return a.gpa == b.gpa && a.size == b.size && a.read_only == b.read_only;
}

}  // namespace

uint32_t MemorySlots::allocate_id() {
    if (free_ids_.empty()) return next_id_++;
    uint32_t id = *free_ids_.begin();
    free_ids_.erase(free_ids_.begin());
    return id;
}

Result<void> MemorySlots::set_page_access(uint64_t ram_size,
                                          const std::map<uint64_t, PageAccess>& pages,
                                          const Update& update) {
    const std::vector<Slot> wanted = layout(ram_size, pages);
    // Both lists are sorted by address and free of overlaps: walk them together. A slot that is
    // in both stays as it is; every other current slot goes, every other wanted one comes.
    std::vector<Slot> kept, removed, added;
    size_t i = 0, j = 0;
    while (i < slots_.size() || j < wanted.size()) {
        if (j == wanted.size() || (i < slots_.size() && slots_[i].gpa < wanted[j].gpa)) {
            removed.push_back(slots_[i++]);
        } else if (i == slots_.size() || wanted[j].gpa < slots_[i].gpa) {
            added.push_back(wanted[j++]);
        } else if (same_range(slots_[i], wanted[j])) {
            kept.push_back(slots_[i++]);
            ++j;
        } else {
            removed.push_back(slots_[i++]);
            added.push_back(wanted[j++]);
        }
    }
    // What KVM holds, whatever happens below: the kept slots, the ones not deleted yet and the
    // ones added so far.
    size_t deleted = 0;
    auto record = [&] {
        kept.insert(kept.end(), removed.begin() + static_cast<long>(deleted), removed.end());
        std::sort(kept.begin(), kept.end(), [](auto& a, auto& b) { return a.gpa < b.gpa; });
        slots_ = std::move(kept);
    };
    // Deletions first: KVM refuses a slot that overlaps another.
    for (; deleted < removed.size(); ++deleted) {
        const Slot& slot = removed[deleted];
        if (auto r = update({slot.id, slot.gpa, 0, slot.read_only}); !r) {
            record();
            return r;
        }
        free_ids_.insert(slot.id);
    }
    for (Slot slot : added) {
        slot.id = allocate_id();
        if (auto r = update(slot); !r) {
            free_ids_.insert(slot.id);
            record();
            return r;
        }
        kept.push_back(slot);
    }
    record();
    return {};
}

}  // namespace svm
