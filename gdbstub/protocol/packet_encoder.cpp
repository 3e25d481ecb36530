#include "gdbstub/protocol/packet_encoder.h"

#include <fmt/format.h>

namespace svm::gdb::protocol {

std::string escape_binary(std::string_view payload) {
    std::string out;
    out.reserve(payload.size());
    for (char c : payload) {
        if (c == '#' || c == '$' || c == '}' || c == '*') {
            out += '}';
            out += char(c ^ 0x20);
        } else {
            out += c;
        }
    }
    return out;
}

std::string run_length_encode(std::string_view escaped) {
    std::string out;
    for (size_t i = 0; i < escaped.size();) {
        char c = escaped[i];
        size_t run = 1;
        while (i + run < escaped.size() && escaped[i + run] == c) ++run;
        i += run;
        while (run > 0) {
            out += c;
            --run;
            if (run >= 3) {
                size_t n = std::min<size_t>(run, 126 - 29);
                while (n + 29 == '#' || n + 29 == '$') --n;
                out += '*';
                out += char(n + 29);
                run -= n;
            }
        }
    }
    return out;
}

std::string frame_packet(std::string_view payload, bool rle) {
    std::string body = escape_binary(payload);
    if (rle) body = run_length_encode(body);
    uint8_t sum = 0;
    for (char c : body) sum = uint8_t(sum + uint8_t(c));
    return fmt::format("${}#{:02x}", body, sum);
}

}  // namespace svm::gdb::protocol
