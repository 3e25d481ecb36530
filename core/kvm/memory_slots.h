// The memory slots that map a VM's RAM (api.rst 4.35 KVM_SET_USER_MEMORY_REGION), laid out for
// watchpoints by memory protection: runs of read/write RAM between pages that are read-only or
// absent. Computes the layout and issues only the changes: slots that stay as they are are not
// touched, so inserting or removing one watchpoint costs a few slot updates however many are set
// (re-registering every slot made 1,500 inserts take 110 s). No KVM here: the updates go through a
// function the caller passes (Kvm issues the ioctl; tests count them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "core/result.h"

namespace svm {

// How a page of guest RAM is mapped into the guest, for watchpoints by memory protection.
enum class PageAccess {
    ReadOnly,  // reads served from RAM, writes exit as KVM_EXIT_MMIO (KVM_MEM_READONLY slot)
    None,      // no memory slot: every read and write exits as KVM_EXIT_MMIO
};

class MemorySlots {
public:
    struct Slot {
        uint32_t id = 0;
        uint64_t gpa = 0;
        uint64_t size = 0;  // 0 in an update: delete slot `id`
        bool read_only = false;
    };
    // Registers one slot, or deletes it (size 0). Returns an error if KVM refuses.
    using Update = std::function<Result<void>(const Slot&)>;

    // Lays out `ram_size` bytes of RAM at guest-physical 0 so that each page in `pages` (4 KiB-
    // aligned addresses; those past the RAM are ignored) is mapped as given and all other RAM is
    // read/write. Deletes the slots that are not in the new layout, then adds the new ones (KVM
    // refuses overlapping slots and cannot resize one in place), reusing free slot numbers.
    // Only while no vCPU runs. Returns the first error; the layout is then partly applied.
    Result<void> set_page_access(uint64_t ram_size, const std::map<uint64_t, PageAccess>& pages,
                                 const Update& update);

    // The current slots, by address.
    const std::vector<Slot>& slots() const { return slots_; }

private:
    uint32_t allocate_id();

    std::vector<Slot> slots_;  // sorted by gpa, never overlapping
    std::set<uint32_t> free_ids_;
    uint32_t next_id_ = 0;
};

}  // namespace svm
