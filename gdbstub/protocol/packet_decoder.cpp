#include "gdbstub/protocol/packet_decoder.h"

#include "gdbstub/limits.h"
#include "gdbstub/protocol/hex.h"

namespace svm::gdb::protocol {

PacketDecoder::PacketDecoder(size_t max_payload) : max_payload_(max_payload) {}

size_t PacketDecoder::feed(std::string_view bytes, std::vector<DecoderEvent>& out,
                           size_t max_events) {
    const size_t events_before = out.size();
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (out.size() - events_before >= max_events) return i;
        const char c = bytes[i];
        switch (state_) {
            case State::Idle:
                if (c == '$') {
                    state_ = State::Payload;
                    raw_.clear();
                    overlong_ = false;
                } else if (c == '+') {
                    out.push_back({DecoderEvent::Kind::Ack, {}});
                } else if (c == '-') {
                    out.push_back({DecoderEvent::Kind::Nak, {}});
                } else if (c == '\x03') {
                    out.push_back({DecoderEvent::Kind::Interrupt, {}});
                }
                // Anything else between packets is line noise: skip it.
                break;
            case State::Payload:
                if (c == '#') {
                    state_ = State::Checksum1;
                } else if (c == '$') {
                    raw_.clear();  // A new packet starts: the previous one was cut off.
                    overlong_ = false;
                } else if (!overlong_) {
                    // The raw limit keeps memory bounded; decode_payload() checks the decoded
                    // size (run-length encoding can make a short frame decode to a long one).
                    if (raw_.size() >= max_payload_ + kPacketFrameSlack) {
                        overlong_ = true;
                        raw_.clear();
                    } else {
                        raw_ += c;
                    }
                }
                break;
            case State::Checksum1:
                checksum_hi_ = hex_digit(c);
                state_ = State::Checksum2;
                break;
            case State::Checksum2: {
                int lo = hex_digit(c);
                received_checksum_ = checksum_hi_ < 0 || lo < 0 ? -1 : checksum_hi_ << 4 | lo;
                finish(out);
                state_ = State::Idle;
                break;
            }
        }
    }
    return bytes.size();
}

void PacketDecoder::finish(std::vector<DecoderEvent>& out) {
    if (overlong_) {
        out.push_back({DecoderEvent::Kind::Overlong, {}});
        return;
    }
    uint8_t sum = 0;
    for (char c : raw_) sum = uint8_t(sum + uint8_t(c));
    if (received_checksum_ != sum && !no_ack_) {
        out.push_back({DecoderEvent::Kind::BadChecksum, {}});
        return;
    }
    bool ok = true;
    std::string payload = decode_payload(raw_, max_payload_, ok);
    if (!ok) {
        out.push_back({DecoderEvent::Kind::Overlong, {}});
        return;
    }
    out.push_back({DecoderEvent::Kind::Packet, std::move(payload)});
}

std::string decode_payload(std::string_view raw, size_t max, bool& ok) {
    // As gdb's read_frame(): first expand run-length encoding on the frame as sent, then undo
    // the escapes (GDB manual E.1: "c*n" repeats the preceding character of the frame).
    std::string expanded;
    ok = false;
    for (size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c != '*') {
            expanded += c;
        } else {
            // "the repeat count is ... the printable character minus 29"; "0* " means "0000".
            if (expanded.empty() || ++i == raw.size() || uint8_t(raw[i]) < 29 + 3) return {};
            size_t count = uint8_t(raw[i]) - 29;
            if (expanded.size() + count > max * 2) return {};
            expanded.append(count, expanded.back());
        }
        if (expanded.size() > max * 2) return {};
    }
    std::string out;
    out.reserve(expanded.size());
    for (size_t i = 0; i < expanded.size(); ++i) {
        if (expanded[i] == '}') {
            if (++i == expanded.size()) return {};
            out += char(expanded[i] ^ 0x20);
        } else {
            out += expanded[i];
        }
    }
    if (out.size() > max) return {};
    ok = true;
    return out;
}

}  // namespace svm::gdb::protocol
