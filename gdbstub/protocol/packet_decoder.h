// Splits the byte stream from gdb into events (GDB manual E.1 "Overview", E.11 "Packet
// Acknowledgment", E.12 "Interrupts"). Bytes in, events out; no I/O.
//
// - `$payload#xx` -> Packet (payload unescaped and run-length decoded) or BadChecksum;
// - `+` / `-` outside a packet -> Ack / Nak; 0x03 outside a packet -> Interrupt;
// - a payload longer than the limit is consumed up to its `#xx` and reported as Overlong, so the
//   stream stays in sync; it is never buffered past the limit + kPacketFrameSlack raw bytes
//   (gdbstub/limits.h), however long it goes on; anything else between packets is skipped.
// A `$` inside a payload cannot be data (binary data escapes it), so it restarts the packet: a
// client that died mid-packet and a new one that starts over do not desync the stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace svm::gdb::protocol {

struct DecoderEvent {
    enum class Kind { Packet, BadChecksum, Overlong, Ack, Nak, Interrupt };
    Kind kind;
    std::string payload;  // Kind::Packet (and BadChecksum in no-ack mode, see below)
};

class PacketDecoder {
public:
    // `max_payload`: the largest payload (after decoding) accepted: the PacketSize announced in
    // qSupported.
    explicit PacketDecoder(size_t max_payload);

    // In no-ack mode a packet with a bad checksum is delivered as a Packet anyway, as gdbserver
    // does: the transport is reliable and gdb would never retransmit it (GDB manual E.11).
    void set_no_ack(bool no_ack) { no_ack_ = no_ack; }

    // Consumes `bytes` (any split: a packet may arrive across several calls) and appends the
    // events found to `out`, stopping right after the `max_events`-th one. Returns how many
    // bytes it consumed: all of them unless it stopped early.
    size_t feed(std::string_view bytes, std::vector<DecoderEvent>& out,
                size_t max_events = SIZE_MAX);

    // Returns true if a packet has been started but not finished.
    bool in_packet() const { return state_ != State::Idle; }

private:
    enum class State { Idle, Payload, Checksum1, Checksum2 };
    void finish(std::vector<DecoderEvent>& out);

    size_t max_payload_;
    bool no_ack_ = false;
    State state_ = State::Idle;
    std::string raw_;  // the bytes between '$' and '#', as sent (escaped, run-length encoded)
    bool overlong_ = false;
    int checksum_hi_ = 0;
    int received_checksum_ = 0;
};

// Returns the payload of a raw packet body: first `c*n` -> c repeated n - 29 more times, then
// `}x` -> x ^ 0x20 (the order of gdb's own reader). Sets `ok` false (and returns "") if the
// result would exceed `max` bytes or is malformed (a trailing `}`, `*` with nothing to repeat,
// a count below 3).
std::string decode_payload(std::string_view raw, size_t max, bool& ok);

}  // namespace svm::gdb::protocol
