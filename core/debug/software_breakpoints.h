// Software breakpoints: an int3 byte written at a guest-physical address, the original byte kept
// aside so that memory reads never show the breakpoint.
#pragma once

#include <cstdint>
#include <map>
#include <span>

#include "core/guest_memory.h"
#include "core/result.h"

namespace svm {

class SoftwareBreakpoints {
public:
    static constexpr uint8_t kInt3 = 0xcc;

    // Writes int3 at `gpa`, saving the byte it replaces. Inserting twice at one address counts
    // twice (gdb may). Returns an error if `gpa` is not RAM.
    Result<void> insert(GuestMemory& memory, uint64_t gpa);
    // Drops one insertion; the last one restores the original byte. Error if none is there.
    Result<void> remove(GuestMemory& memory, uint64_t gpa);
    // Restores every original byte and forgets all breakpoints.
    void remove_all(GuestMemory& memory);

    bool contains(uint64_t gpa) const { return breakpoints_.contains(gpa); }
    bool empty() const { return breakpoints_.empty(); }

    // Replaces breakpoint bytes in `data`, read from guest-physical `gpa`, by the original bytes.
    void hide(uint64_t gpa, std::span<uint8_t> data) const;
    // A debugger write of `data` at `gpa`: bytes under a breakpoint become its saved original
    // byte, memory keeps the int3. Returns an error (and writes nothing) outside RAM.
    Result<void> write_through(GuestMemory& memory, uint64_t gpa, std::span<const uint8_t> data);
    // Re-arms breakpoints whose int3 the guest overwrote (it loaded new code there): the byte it
    // wrote becomes the original, int3 goes back. Returns how many were re-armed.
    int rearm(GuestMemory& memory);

private:
    struct Breakpoint {
        uint8_t original;
        int count;
    };
    std::map<uint64_t, Breakpoint> breakpoints_;
};

}  // namespace svm
