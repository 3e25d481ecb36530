#include "core/debug/exception_catch.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "core/debug/monitor/descriptor_tables.h"

namespace svm {
namespace {

constexpr std::array<std::string_view, 32> kNames = {
    "DE", "DB", "NMI", "BP", "OF", "BR", "UD", "NM", "DF", "CSO", "TS",
    "NP", "SS", "GP",  "PF", "15", "MF", "AC", "MC", "XM", "VE",  "CP",
    "22", "23", "24",  "25", "26", "27", "HV", "VC", "SX", "31"};

template <size_t N>
bool read_exact(const DumpReader& read, uint64_t address, std::array<uint8_t, N>& out) {
    return read(address, out) == N;
}

uint64_t little_endian(std::span<const uint8_t> bytes) {
    uint64_t value = 0;
    for (size_t i = 0; i < bytes.size() && i < 8; ++i) value |= uint64_t(bytes[i]) << (8 * i);
    return value;
}

}  // namespace

bool exception_has_error_code(int vector) {
    switch (vector) {
        case 8:
        case 10:
        case 11:
        case 12:
        case 13:
        case 14:
        case 17:
        case 21:
        case 29:
        case 30:
            return true;
        default:
            return false;
    }
}

std::string exception_name(int vector) {
    if (vector >= 0 && vector < 32 && !std::isdigit(static_cast<unsigned char>(kNames[vector][0])))
        return "#" + std::string(kNames[vector]);
    return fmt::format("vector {}", vector);
}

Result<std::set<int>> parse_catch_vectors(std::string_view args) {
    std::set<int> vectors;
    std::string word;
    auto take = [&]() -> Result<void> {
        if (word.empty()) return {};
        std::string w = word;
        word.clear();
        if (w == "off") return {};
        if (w == "all") {
            for (int v = 0; v < 32; ++v) vectors.insert(v);
            return {};
        }
        std::string upper;
        for (char c : w) upper += char(std::toupper(static_cast<unsigned char>(c)));
        if (!upper.empty() && upper[0] == '#') upper.erase(0, 1);
        for (int v = 0; v < 32; ++v) {
            if (upper == kNames[v] && !std::isdigit(static_cast<unsigned char>(upper[0]))) {
                vectors.insert(v);
                return {};
            }
        }
        char* end = nullptr;
        errno = 0;
        long v = std::strtol(w.c_str(), &end, 0);
        if (errno || end == w.c_str() || *end || v < 0 || v > 255)
            return error("'{}' is not a vector (0-255, or a name such as PF, GP, UD)", w);
        vectors.insert(int(v));
        return {};
    };
    for (char c : args) {
        if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
            TRY(take());
        } else {
            word += c;
        }
    }
    TRY(take());
    return vectors;
}

std::optional<uint64_t> exception_handler_address(const CpuState& state, int vector,
                                                  const DumpReader& read) {
    if (vector < 0 || vector > 255) return std::nullopt;
    const CpuMode mode = mode_of(state);
    if (mode == CpuMode::Real) {
        // 20.1.4: four bytes per vector, offset then segment.
        if (uint64_t(vector) * 4 + 3 > state.idt.limit) return std::nullopt;
        std::array<uint8_t, 4> entry{};
        if (!read_exact(read, state.idt.base + uint64_t(vector) * 4, entry)) return std::nullopt;
        const uint64_t offset = entry[0] | entry[1] << 8, segment = entry[2] | entry[3] << 8;
        return segment * 16 + offset;
    }
    const bool long_mode = mode == CpuMode::Long;
    const uint64_t size = long_mode ? 16 : 8;
    if (uint64_t(vector) * size + size - 1 > state.idt.limit) return std::nullopt;
    std::array<uint8_t, 16> gate{};
    if (read(state.idt.base + uint64_t(vector) * size, std::span(gate).first(size)) != size)
        return std::nullopt;
    const DecodedDescriptor d = decode_descriptor(std::span(gate).first(size), long_mode);
    // Interrupt (0xE, 0x6) and trap (0xF, 0x7) gates only: a task gate (0x5) switches tasks.
    const bool handler_gate =
        !d.s && (d.type == 0xe || d.type == 0xf || d.type == 0x6 || d.type == 0x7);
    if (!d.present || !handler_gate) return std::nullopt;
    if (long_mode) return d.base;  // 64-bit code segments have base 0 (3.4.4)
    // Protected mode: the gate's offset is relative to its code segment's base (GDT only; an
    // LDT-based handler selector is rare enough to refuse).
    if (d.selector & 4) return std::nullopt;
    const uint64_t index = d.selector & ~7u;
    if (index == 0 || index + 7 > state.gdt.limit) return std::nullopt;
    std::array<uint8_t, 8> code{};
    if (!read_exact(read, state.gdt.base + index, code)) return std::nullopt;
    return (decode_descriptor(code, false).base + d.base) & 0xffffffff;
}

std::optional<ExceptionFrame> read_exception_frame(const CpuState& state, int vector,
                                                   const DumpReader& read) {
    // 6.12.1 / 6.14.2: at the handler's first instruction the stack holds [error code,] return
    // address, CS, flags (...): slots of 2 bytes in real mode, 4 in protected mode, 8 in long
    // mode. Real mode has no error codes.
    const CpuMode mode = mode_of(state);
    const size_t slot = mode == CpuMode::Real ? 2 : mode == CpuMode::Long ? 8 : 4;
    const uint64_t sp = mode == CpuMode::Real   ? state.ss.base + (state.rsp & 0xffff)
                        : mode == CpuMode::Long ? state.rsp
                                                : state.ss.base + (state.rsp & 0xffffffff);
    const bool error_code = mode != CpuMode::Real && exception_has_error_code(vector);
    std::array<uint8_t, 16> bytes{};
    const size_t want = slot * (error_code ? 2 : 1);
    if (read(sp, std::span(bytes).first(want)) != want) return std::nullopt;
    ExceptionFrame frame;
    size_t at = 0;
    if (error_code) {
        frame.error_code = uint32_t(little_endian(std::span(bytes).subspan(0, slot)));
        at = slot;
    }
    frame.return_address = little_endian(std::span(bytes).subspan(at, slot));
    if (mode == CpuMode::Real) {
        // The pushed CS follows IP: the linear address is CS * 16 + IP.
        std::array<uint8_t, 2> cs{};
        if (!read_exact(read, sp + 2, cs)) return std::nullopt;
        frame.return_address += uint64_t(cs[0] | cs[1] << 8) * 16;
    }
    return frame;
}

}  // namespace svm
