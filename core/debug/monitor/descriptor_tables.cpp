#include "core/debug/monitor/descriptor_tables.h"

#include <fmt/format.h>

#include <vector>

namespace svm {

namespace {

// SDM Vol. 3A, Table 3-2: system descriptor types in legacy (32-bit) and IA-32e mode.
constexpr const char* kSystemTypes[2][16] = {
    {"reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16", "TaskGate", "IntGate16",
     "TrapGate16", "reserved", "TSS32-avl", "reserved", "TSS32-busy", "CallGate32", "reserved",
     "IntGate32", "TrapGate32"},
    {"reserved", "reserved", "LDT", "reserved", "reserved", "reserved", "reserved", "reserved",
     "reserved", "TSS64-avl", "reserved", "TSS64-busy", "CallGate64", "reserved", "IntGate64",
     "TrapGate64"},
};

uint32_t load32(std::span<const uint8_t> b, size_t at) {
    return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 |
           uint32_t{b[at + 3]} << 24;
}

bool is_gate(uint8_t type, bool long_mode) {
    if (long_mode) return type == 12 || type == 14 || type == 15;
    return type == 4 || type == 5 || type == 6 || type == 7 || type == 12 || type == 14 ||
           type == 15;
}

// In IA-32e mode every valid system descriptor (LDT, TSS, gates) is 16 bytes (SDM Vol. 3A, 3.5).
bool is_wide(uint8_t type, bool long_mode) {
    return long_mode &&
           (type == 2 || type == 9 || type == 11 || type == 12 || type == 14 || type == 15);
}

std::string code_data_name(uint8_t type) {
    std::string name;
    if (type & 8) {
        name = "code";
        if (type & 4) name += " conforming";
        name += type & 2 ? " execute/read" : " execute-only";
    } else {
        name = "data";
        name += type & 2 ? " read/write" : " read-only";
        if (type & 4) name += " expand-down";
    }
    if (type & 1) name += " accessed";
    return name;
}

const char* mode_name(const CpuState& s) {
    return s.efer & x86::EFER_LMA ? "long mode"
           : s.cr0 & x86::CR0_PE  ? "protected mode"
                                  : "real mode";
}

std::vector<uint8_t> read_table(const DumpReader& read, uint64_t base, size_t size) {
    std::vector<uint8_t> bytes(size);
    bytes.resize(read(base, bytes));
    return bytes;
}

}  // namespace

DecodedDescriptor decode_descriptor(std::span<const uint8_t> bytes, bool long_mode) {
    DecodedDescriptor d;
    if (bytes.size() < 8) return d;
    const uint32_t lo = load32(bytes, 0), hi = load32(bytes, 4);
    d.type = static_cast<uint8_t>((hi >> 8) & 0xf);
    d.s = hi & (1u << 12);
    d.dpl = static_cast<uint8_t>((hi >> 13) & 3);
    d.present = hi & (1u << 15);
    d.l = hi & (1u << 21);
    d.db = hi & (1u << 22);
    d.g = hi & (1u << 23);
    d.wide = !d.s && is_wide(d.type, long_mode) && bytes.size() >= 16;
    const uint64_t upper = d.wide ? uint64_t{load32(bytes, 8)} << 32 : 0;
    if (!d.s && is_gate(d.type, long_mode)) {
        // SDM Vol. 3A, Figure 6-2 / 6-8 and 5-8: offset 15:0 and 31:16, selector, 64-bit upper.
        d.selector = static_cast<uint16_t>(lo >> 16);
        d.base = (lo & 0xffff) | (hi & 0xffff0000u) | upper;
        if (d.type == 5) d.base = 0;  // a task gate has a TSS selector only
        if (long_mode) d.ist = static_cast<uint8_t>(hi & 7);
        d.g = false;
    } else {
        uint32_t raw_limit = (lo & 0xffff) | (hi & 0x000f0000u);
        d.limit = d.g ? (raw_limit << 12) | 0xfff : raw_limit;
        d.base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u) | upper;
    }
    d.type_name = d.s ? code_data_name(d.type) : kSystemTypes[long_mode ? 1 : 0][d.type];
    return d;
}

std::string format_gdt(const CpuState& s, const DumpReader& read) {
    const bool long_mode = s.efer & x86::EFER_LMA;
    const size_t size = size_t{s.gdt.limit} + 1;
    std::string out = fmt::format("GDT at {:#018x}, limit {:#x}: {} slots ({})\n", s.gdt.base,
                                  s.gdt.limit, size / 8, mode_name(s));
    auto bytes = read_table(read, s.gdt.base, size);
    if (bytes.size() < size)
        out +=
            fmt::format("(only {} of {} bytes could be read: the rest is not mapped or not RAM)\n",
                        bytes.size(), size);
    out += " slot sel    base             limit    type                         DPL P L D G\n";
    size_t empty = 0;
    for (size_t slot = 0; (slot + 1) * 8 <= bytes.size(); ++slot) {
        std::span<const uint8_t> entry(bytes.data() + slot * 8, bytes.size() - slot * 8);
        if (load32(entry, 0) == 0 && load32(entry, 4) == 0) {
            if (slot == 0)
                out += fmt::format(" {:4} 0x{:04x} {:<16} {:<8} null\n", slot, 0, "-", "-");
            else
                ++empty;
            continue;
        }
        DecodedDescriptor d = decode_descriptor(entry, long_mode);
        const uint16_t sel = static_cast<uint16_t>(slot * 8);
        std::string type = d.type_name;
        if (!d.s && is_gate(d.type, long_mode))
            type += fmt::format(" -> {:04x}:{:x}", d.selector, d.base);
        auto bit = [](bool b) { return b ? '1' : '0'; };
        bool code = d.s && (d.type & 8);
        out += fmt::format(" {:4} 0x{:04x} {:016x} {:08x} {:<28} {:3} {} {} {} {}\n", slot, sel,
                           d.base, d.limit, type, d.dpl, bit(d.present), code ? bit(d.l) : '-',
                           d.s ? bit(d.db) : '-', bit(d.g));
        if (d.wide) ++slot;  // the upper half of a 16-byte system descriptor
    }
    if (empty) out += fmt::format("({} empty slots not shown)\n", empty);
    return out;
}

std::string format_idt(const CpuState& s, const DumpReader& read, const Symbolizer& symbolize) {
    const bool long_mode = s.efer & x86::EFER_LMA;
    const size_t limit_bytes = size_t{s.idt.limit} + 1;
    auto with_symbol = [&](uint64_t addr) {
        std::string sym = symbolize ? symbolize(addr) : std::string();
        return sym.empty() ? std::string() : " " + sym;
    };
    if (!(s.cr0 & x86::CR0_PE)) {
        // Real mode: the IVT, 4-byte offset:segment pairs (SDM Vol. 3A, 20.1.4).
        const size_t count = std::min<size_t>(limit_bytes / 4, 256);
        std::string out = fmt::format("IVT at {:#x}, limit {:#x}: {} vectors (real mode)\n",
                                      s.idt.base, s.idt.limit, count);
        auto bytes = read_table(read, s.idt.base, count * 4);
        for (size_t v = 0; (v + 1) * 4 <= bytes.size(); ++v) {
            uint32_t e = load32(bytes, v * 4);
            uint16_t off = static_cast<uint16_t>(e), seg = static_cast<uint16_t>(e >> 16);
            uint64_t linear = uint64_t{seg} * 16 + off;
            out += fmt::format(" {:3} {:04x}:{:04x} (linear {:#07x}){}\n", v, seg, off, linear,
                               with_symbol(linear));
        }
        if (bytes.size() < count * 4) out += "(the rest of the IVT is outside RAM)\n";
        return out;
    }
    const size_t gate_size = long_mode ? 16 : 8;
    const size_t count = std::min<size_t>(limit_bytes / gate_size, 256);
    std::string out = fmt::format("IDT at {:#018x}, limit {:#x}: {} vectors ({})\n", s.idt.base,
                                  s.idt.limit, count, mode_name(s));
    auto bytes = read_table(read, s.idt.base, count * gate_size);
    if (bytes.size() < count * gate_size)
        out +=
            fmt::format("(only {} of {} bytes could be read: the rest is not mapped or not RAM)\n",
                        bytes.size(), count * gate_size);
    out += " vec type        target                    DPL P IST handler\n";
    size_t absent = 0;
    for (size_t v = 0; (v + 1) * gate_size <= bytes.size(); ++v) {
        std::span<const uint8_t> entry(bytes.data() + v * gate_size, gate_size);
        DecodedDescriptor d = decode_descriptor(entry, long_mode);
        if (!d.present) {
            ++absent;
            continue;
        }
        std::string target = d.s || !is_gate(d.type, long_mode) ? std::string("(not a gate)")
                             : d.type == 5 ? fmt::format("TSS {:04x}", d.selector)
                                           : fmt::format("{:04x}:{:016x}", d.selector, d.base);
        std::string type = d.s ? std::string("code/data?") : d.type_name;
        std::string handler =
            !d.s && is_gate(d.type, long_mode) && d.type != 5 ? with_symbol(d.base) : std::string();
        out += fmt::format(" {:3} {:<11} {:<25} {:3} 1 {:3}{}\n", v, type, target, d.dpl, d.ist,
                           handler);
    }
    if (absent) out += fmt::format("({} non-present gates not shown)\n", absent);
    return out;
}

}  // namespace svm
