// siginfo_t layout: Linux include/uapi/asm-generic/siginfo.h (si_signo, si_errno, si_code, then
// the union _sifields aligned to the pointer size), as gdb's linux-tdep.c builds its type.
#include "gdbstub/protocol/siginfo.h"

namespace svm::gdb::protocol {
namespace {

void put(std::array<uint8_t, 128>& out, size_t offset, uint64_t value, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) out[offset + i] = uint8_t(value >> (8 * i));
}

}  // namespace

std::array<uint8_t, 128> make_siginfo(int signal, const std::optional<GuestException>& exception) {
    std::array<uint8_t, 128> out{};
    put(out, 0, uint32_t(signal), 4);
    const int32_t vector = exception ? exception->vector : -1;
    const int32_t code = exception && exception->error_code ? int32_t(*exception->error_code) : -1;
    put(out, 4, uint32_t(vector), 4);
    put(out, 8, uint32_t(code), 4);
    if (exception) {
        put(out, 12, exception->address & 0xffffffff, 4);  // i386: _sifields at 12
        put(out, 16, exception->address, 8);               // amd64: _sifields at 16
    }
    return out;
}

}  // namespace svm::gdb::protocol
