// Drives a Session like gdb would: frames packets, acks, and splits the replies back out.
#pragma once

#include <string>
#include <vector>

#include "fake_target.h"
#include "gdbstub/protocol/packet_decoder.h"
#include "gdbstub/protocol/packet_encoder.h"
#include "gdbstub/session.h"

namespace svm::gdb::testing {

// Returns the payloads of the packets in `bytes` (acks dropped).
inline std::vector<std::string> packets_in(std::string_view bytes) {
    protocol::PacketDecoder decoder(1 << 20);
    std::vector<protocol::DecoderEvent> events;
    decoder.feed(bytes, events);
    std::vector<std::string> out;
    for (auto& e : events) {
        if (e.kind == protocol::DecoderEvent::Kind::Packet) out.push_back(e.payload);
    }
    return out;
}

struct Harness {
    FakeTarget target;
    Session session{target};

    // Sends one packet; returns the single reply payload ("<none>" if none, "<n replies>" if
    // several: use send_all then).
    std::string send(std::string_view payload) {
        auto replies = send_all(payload);
        if (replies.empty()) return "<none>";
        if (replies.size() > 1) return "<" + std::to_string(replies.size()) + " replies>";
        return replies[0];
    }
    std::vector<std::string> send_all(std::string_view payload) {
        return packets_in(session.on_bytes(protocol::frame_packet(payload)));
    }
};

}  // namespace svm::gdb::testing
