// $_siginfo for a stopped guest (GDB manual E.4 "qXfer:siginfo:read"): gdb shows the object as
// its GNU/Linux siginfo_t, so svm fills one in with what a bare-metal stop has to say.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "gdbstub/debug_target.h"

namespace svm::gdb::protocol {

// The 128-byte siginfo_t for a stop with gdb signal `signal` and, if the guest took one, the
// exception behind it: si_signo = signal, si_errno = the exception vector (-1: none), si_code =
// its error code (-1: none), si_addr (_sifields._sigfault.si_addr) = CR2 for a page fault, else
// the faulting RIP. Laid out for the i386 and the amd64 siginfo_t at once: si_addr's 32-bit
// form at offset 12 (i386) and its 64-bit form at offset 16 (amd64, where 12-15 are padding),
// so the reply fits whichever architecture gdb uses (docs/gdb.md "After a crash").
std::array<uint8_t, 128> make_siginfo(int signal, const std::optional<GuestException>& exception);

}  // namespace svm::gdb::protocol
