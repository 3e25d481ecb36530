// The error replies the session itself produces (GDB manual E.1: "E NN", errno-style numbers;
// gdb only shows that an error happened). Target errors use the target's own code.
#pragma once

namespace svm::gdb::errors {

constexpr const char* kMalformed = "E16";  // EINVAL: bad hex, missing fields, bad lengths
constexpr const char* kFault = "E0e";      // EFAULT: no byte of the memory range is accessible
constexpr const char* kNoThread = "E03";   // ESRCH: no such thread
constexpr const char* kTooLong = "E07";    // E2BIG: longer than PacketSize
constexpr const char* kXferBad = "E00";    // qXfer: malformed request or unknown annex
// To a client whose handshake arrives while another debugger is attached (gdb shows the text).
constexpr const char* kBusy = "E.another debugger is already attached to this svm";

}  // namespace svm::gdb::errors
