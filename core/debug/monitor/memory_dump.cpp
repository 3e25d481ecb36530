#include "core/debug/monitor/memory_dump.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/size_parser.h"
#include "core/x86_64/disassembler.h"

namespace svm {

namespace {

uint64_t load_le(const uint8_t* p, size_t size) {
    uint64_t v = 0;
    for (size_t i = 0; i < size; ++i) v |= uint64_t{p[i]} << (8 * i);
    return v;
}

// QEMU's monitor_printc: a quoted character, with C escapes for the unprintable ones.
std::string quoted_char(uint8_t c) {
    switch (c) {
        case '\'':
            return "'\\''";
        case '\\':
            return "'\\\\'";
        case '\n':
            return "'\\n'";
        case '\r':
            return "'\\r'";
        default:
            if (c >= 32 && c <= 126) return fmt::format("'{}'", static_cast<char>(c));
            return fmt::format("'\\x{:02x}'", c);
    }
}

std::string format_unit(char format, uint64_t v, size_t size) {
    const int bits = static_cast<int>(size * 8);
    switch (format) {
        case 'o':
            return fmt::format("{:#{}o}", v, (bits + 2) / 3);
        case 'u':
            return fmt::format("{:{}}", v, (bits * 10 + 32) / 33);
        case 'd': {
            int64_t s = bits == 64 ? static_cast<int64_t>(v)
                                   : static_cast<int64_t>(v << (64 - bits)) >> (64 - bits);
            return fmt::format("{:{}}", s, (bits * 10 + 32) / 33);
        }
        case 'c':
            return quoted_char(static_cast<uint8_t>(v));
        default:
            return fmt::format("0x{:0{}x}", v, bits / 4);
    }
}

}  // namespace

Result<DumpRequest> parse_dump_request(std::string_view args) {
    auto trim = [](std::string_view s) {
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
        return s;
    };
    args = trim(args);
    DumpRequest request;
    if (args.starts_with('/')) {
        size_t end = args.find(' ');
        std::string_view spec = args.substr(1, end == std::string_view::npos ? args.npos : end - 1);
        args = end == std::string_view::npos ? std::string_view() : trim(args.substr(end));
        size_t digits = 0;
        while (digits < spec.size() && spec[digits] >= '0' && spec[digits] <= '9') ++digits;
        if (digits) {
            auto [p, ec] = std::from_chars(spec.data(), spec.data() + digits, request.format.count);
            if (ec != std::errc() || request.format.count == 0)
                return error("bad count '{}'", spec.substr(0, digits));
        }
        for (char c : spec.substr(digits)) {
            switch (c) {
                case 'x':
                case 'd':
                case 'u':
                case 'o':
                case 'c':
                case 'i':
                    request.format.format = c;
                    break;
                case 'b':
                    request.format.size = 1;
                    request.format.size_given = true;
                    break;
                case 'h':
                    request.format.size = 2;
                    request.format.size_given = true;
                    break;
                case 'w':
                    request.format.size = 4;
                    request.format.size_given = true;
                    break;
                case 'g':
                    request.format.size = 8;
                    request.format.size_given = true;
                    break;
                default:
                    return error(
                        "invalid char '{}' in format (count, then x/d/u/o/c/i and b/h/w/g)", c);
            }
        }
    }
    if (args.empty()) return error("an address is needed");
    request.address = TRY(parse_address(args));
    if (request.format.format == 'c') request.format.size = 1;
    return request;
}

std::string format_memory_dump(const DumpRequest& request, const DumpReader& read, int code_bits,
                               std::string_view unreadable) {
    const DumpFormat& f = request.format;
    std::string out;
    if (f.format == 'i') {
        int bits = code_bits;
        if (f.size_given) bits = f.size == 2 ? 16 : f.size == 4 ? 32 : f.size == 8 ? 64 : bits;
        uint64_t count = std::min<uint64_t>(f.count, kMaxDumpBytes / 16);
        std::vector<uint8_t> code(count * 15);  // 15 bytes: the longest x86 instruction
        code.resize(read(request.address, code));
        auto insns = disassemble(code, request.address, bits, count);
        // An invalid "instruction" within 15 bytes of where reading stopped may be one cut off by
        // the unreadable memory: the listing ends there.
        const bool short_read = code.size() < count * 15;
        uint64_t shown = 0;
        uint64_t next = request.address;
        for (const Instruction& insn : insns) {
            if (short_read && !insn.valid && insn.address + 15 > request.address + code.size())
                break;
            out += fmt::format("0x{:016x}:  {}\n", insn.address, insn.text);
            next = insn.address + insn.length;
            ++shown;
        }
        if (shown < count && short_read) out += fmt::format("{:016x}: {}\n", next, unreadable);
        return out;
    }
    const uint64_t wanted = f.count > UINT64_MAX / f.size ? UINT64_MAX : f.count * f.size;
    const uint64_t len = std::min<uint64_t>(wanted, kMaxDumpBytes);
    std::vector<uint8_t> bytes(len);
    const size_t got = read(request.address, bytes);
    const size_t line_size = f.size == 1 ? 8 : 16;
    uint64_t offset = 0;
    while (offset < len) {
        if (offset + f.size > got) {
            out += fmt::format("{:016x}: {}\n", request.address + offset, unreadable);
            return out;
        }
        out += fmt::format("{:016x}:", request.address + offset);
        for (size_t i = 0; i < line_size && offset < len; i += f.size, offset += f.size) {
            if (offset + f.size > got) break;
            out += " " + format_unit(f.format, load_le(bytes.data() + offset, f.size), f.size);
        }
        out += "\n";
    }
    if (wanted > len)
        out += fmt::format("(cut at {} bytes; {} more not shown)\n", len, wanted - len);
    return out;
}

}  // namespace svm
