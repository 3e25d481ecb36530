// Software breakpoints: a one-byte trap instruction written at a guest-physical address, the
// original byte kept aside so that memory reads never show the breakpoint.
//
// The byte is int3 (0xCC) on hardware KVM, where KVM_GUESTDBG_USE_SW_BP turns #BP into
// KVM_EXIT_DEBUG in every mode. On nested KVM-PVM hosts int3 never exits: in real mode it goes
// through the guest's interrupt vector table (the guest runs into whatever vector 3 holds), so
// svm writes ICEBP/INT1 (0xF1) there instead, which KVM-PVM stops on with a resumable emulation
// failure in real, protected and long mode alike (/work/shared/KVM-NOTES.md).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>

#include "core/guest_memory.h"
#include "core/result.h"

namespace svm {

class SoftwareBreakpoints {
public:
    static constexpr uint8_t kInt3 = 0xcc;
    static constexpr uint8_t kIcebp = 0xf1;

    // `opcode` is the byte to write: kInt3 or kIcebp.
    explicit SoftwareBreakpoints(uint8_t opcode = kInt3) : opcode_(opcode) {}
    uint8_t opcode() const { return opcode_; }

    // Writes the trap byte at `gpa`, saving the byte it replaces. Inserting twice at one address
    // counts twice (gdb may). Returns an error if `gpa` is not RAM.
    Result<void> insert(GuestMemory& memory, uint64_t gpa);
    // Drops one insertion; the last one restores the original byte. Error if none is there.
    Result<void> remove(GuestMemory& memory, uint64_t gpa);
    // Restores every original byte and forgets all breakpoints.
    void remove_all(GuestMemory& memory);

    bool contains(uint64_t gpa) const { return breakpoints_.contains(gpa); }
    // True if a breakpoint lies in [gpa, gpa + length).
    bool any_in(uint64_t gpa, uint64_t length) const;
    // The guest-physical 4 KiB pages that hold breakpoints (page-aligned addresses). svm maps
    // them read-only, so a guest write there exits and goes through write_through(): code the
    // guest copies over a breakpoint keeps the breakpoint (docs/gdb.md, "Breakpoints").
    std::set<uint64_t> pages() const;
    bool empty() const { return breakpoints_.empty(); }

    // Replaces breakpoint bytes in `data`, read from guest-physical `gpa`, by the original bytes.
    void hide(uint64_t gpa, std::span<uint8_t> data) const;
    // A debugger write of `data` at `gpa`: bytes under a breakpoint become its saved original
    // byte, memory keeps the trap byte. Returns an error (and writes nothing) outside RAM.
    Result<void> write_through(GuestMemory& memory, uint64_t gpa, std::span<const uint8_t> data);
    // Re-arms breakpoints whose trap byte the guest overwrote (it loaded new code there): the byte
    // it wrote becomes the original, the trap byte goes back. Returns how many were re-armed.
    int rearm(GuestMemory& memory);

private:
    struct Breakpoint {
        uint8_t original;
        int count;
    };
    uint8_t opcode_;
    std::map<uint64_t, Breakpoint> breakpoints_;
};

}  // namespace svm
