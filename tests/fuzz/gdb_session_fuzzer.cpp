// libFuzzer target: bytes from a hostile "gdb" into a Session with the fake target. The input is
// cut into chunks at 0xff bytes; between chunks the target stops (so Running/Stopped both get
// exercised) with a reason picked from the chunk. Every reply must be well framed.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gdbstub/protocol/packet_decoder.h"
#include "gdbstub/session.h"
#include "tests/unit/gdbstub/fake_target.h"

using namespace svm::gdb;

namespace {

void check_framed(std::string_view out) {
    // Replies are acks/naks and complete "$...#xx" packets, nothing else.
    protocol::PacketDecoder decoder(1 << 22);
    std::vector<protocol::DecoderEvent> events;
    decoder.feed(out, events);
    if (decoder.in_packet()) std::abort();
    for (auto& e : events) {
        if (e.kind == protocol::DecoderEvent::Kind::BadChecksum ||
            e.kind == protocol::DecoderEvent::Kind::Overlong)
            std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    testing::FakeTarget target;
    SessionOptions options;
    options.packet_size = 0x1000;  // small, so that overlong paths are reachable
    options.rle_replies = size > 0 && data[0] & 1;
    Session session(target, options);
    std::string_view input(reinterpret_cast<const char*>(data), size);
    while (!input.empty() && !session.closed()) {
        size_t cut = input.find('\xff');
        std::string_view chunk = input.substr(0, cut);
        input = cut == std::string_view::npos ? std::string_view{} : input.substr(cut + 1);
        check_framed(session.on_bytes(chunk));
        StopReason stop;
        uint8_t pick = chunk.empty() ? 0 : uint8_t(chunk.back());
        stop.kind = pick % 7 == 0 ? StopReason::Kind::Exited : StopReason::Kind::Signal;
        stop.detail = StopReason::Detail(pick % 6);
        stop.thread = 1 + pick % 2;
        stop.signal = pick;
        stop.watch_address = uint64_t(pick) << 40;
        stop.expedite = {{pick % 100, ~uint64_t{pick}}, {x86_64::Rip, 0x1000}};
        check_framed(session.on_stop(stop));
    }
    session.on_disconnect();
    return 0;
}
