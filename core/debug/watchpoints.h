// Watchpoints of any length and any number, implemented by memory protection: the pages they
// cover are mapped read-only (write watchpoints) or not at all (read and access watchpoints), so
// the guest's accesses there exit to svm, which completes them and checks the ranges. This works
// on every host, including nested KVM-PVM hosts where debug-register watchpoints never fire.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/kvm/kvm.h"
#include "core/result.h"

namespace svm {

enum class WatchType { Write, Read, Access };

class Watchpoints {
public:
    // One physically contiguous piece of a watchpoint (a watched range may span pages that map to
    // different physical pages).
    struct Piece {
        uint64_t gpa;
        uint64_t length;
        uint64_t vaddr;  // the virtual address of the piece's first byte
    };

    struct Hit {
        WatchType type;
        uint64_t vaddr;  // the virtual address of the watched byte that was accessed
    };

    // Adds a watchpoint on [vaddr, vaddr + length) whose bytes live at `pieces`.
    void add(WatchType type, uint64_t vaddr, uint64_t length, std::vector<Piece> pieces);
    // Removes the watchpoint added with these arguments. Returns false if there is none.
    bool remove(WatchType type, uint64_t vaddr, uint64_t length);
    void clear() { watchpoints_.clear(); }
    bool empty() const { return watchpoints_.empty(); }

    // How each watched page must be mapped: read-only if it holds only write watchpoints,
    // absent if it holds a read or access watchpoint.
    std::map<uint64_t, PageAccess> page_access() const;

    // The watchpoint an access of [gpa, gpa + length) triggers, if any: writes trigger Write and
    // Access watchpoints, reads trigger Read and Access ones.
    std::optional<Hit> match(uint64_t gpa, uint64_t length, bool is_write) const;

private:
    struct Watchpoint {
        WatchType type;
        uint64_t vaddr;
        uint64_t length;
        std::vector<Piece> pieces;
    };
    std::vector<Watchpoint> watchpoints_;
};

}  // namespace svm
