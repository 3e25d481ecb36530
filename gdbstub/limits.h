// Every bound the gdb server puts on a client, in one place. A gdb that behaves never meets one;
// they are there so that a client that is not gdb, or a gdb that stopped reading, can neither
// hang svm nor make it grow without bound. docs/gdb.md, "Limits and hostile clients", lists them
// for users; keep the two in step.
#pragma once

#include <chrono>
#include <cstddef>

namespace svm::gdb {

// The PacketSize svm announces in qSupported (GDB manual E.4, "PacketSize=bytes"): the largest
// packet payload gdb may send and svm accepts, and the largest svm sends (m replies are sized to
// fit, qXfer and vFile data is at most half of it, long monitor output is split). gdb sizes its
// m/M/X/G packets by it.
constexpr size_t kPacketSize = 0x20000;

// How much longer than PacketSize a packet may be on the wire, between `$` and `#`, before the
// decoder stops buffering it (it then discards the rest up to `#xx` and answers E07). gdb counts
// PacketSize on the wire already; the slack is for clients that count it before escaping. So a
// partially received packet never holds more than kPacketSize + kPacketFrameSlack bytes.
constexpr size_t kPacketFrameSlack = 64 * 1024;

// Replies queued for one connection but not yet taken by its socket. At this size svm stops
// reading that client's requests until the queue drains below it, so the queue holds at most
// this plus the replies to the one packet that crossed it (one reply, or one monitor command's
// output). Without it, each '-' (resend) or 'm' request from a client that reads nothing added
// another reply: 3,000 of them grew svm by hundreds of megabytes.
constexpr size_t kMaxQueuedOutput = 1024 * 1024;

// A connection with queued replies whose socket has taken no byte for this long is dropped (a
// disconnect: the debugger is detached and the guest runs on). gdb reads continuously whenever
// it waits for a reply, so only a client that stopped reading meets it; it also bounds how long
// svm's exit waits to deliver its last stop reply ("exited with code N").
constexpr std::chrono::milliseconds kDrainTimeout{5000};

// A connection that has not completed its handshake (sent its first packet with a valid
// checksum: gdb and IDEs that run gdb open with qSupported, LLDB with QStartNoAckMode) within
// this time is closed. Port scanners, `nc -z` and idle connections hold nothing for longer.
constexpr std::chrono::milliseconds kHandshakeTimeout{10000};

// At most this many connections may wait for their handshake at once; a further one is closed
// as soon as it is accepted. Bounds the descriptors and buffers idle connections hold.
constexpr size_t kMaxHandshaking = 16;

// When accept() fails (EMFILE/ENFILE: no descriptor left; ENOBUFS/ENOMEM), the connection stays
// in the listen backlog and the next accept() would fail at once: svm waits this long before it
// tries again instead of spinning, and logs the failure once per run of failures.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

}  // namespace svm::gdb
