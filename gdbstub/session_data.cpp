// Session: registers (g/G/p/P), memory (m/M/X, LLDB's x and qMemoryRegionInfo) and breakpoints
// (Z/z); GDB manual E.2 "Packets".
// Every length is checked against PacketSize before any buffer is sized from it.
#include <fmt/format.h>

#include "gdbstub/protocol/agent_expr.h"
#include "gdbstub/protocol/hex.h"
#include "gdbstub/protocol/lldb_queries.h"
#include "gdbstub/session.h"
#include "gdbstub/session_errors.h"

namespace svm::gdb {

using protocol::decode_hex;
using protocol::encode_hex;
using protocol::parse_hex;
using protocol::split_once;

namespace {

// Parses "addr,length" into its numbers.
std::optional<std::pair<uint64_t, uint64_t>> parse_range(std::string_view text) {
    auto parts = split_once(text, ',');
    if (!parts) return std::nullopt;
    auto addr = parse_hex(parts->first);
    auto length = parse_hex(parts->second);
    if (!addr || !length) return std::nullopt;
    return std::pair{*addr, *length};
}

}  // namespace

// Reads `thread`'s registers from the target with the i386 aliases filled in.
TargetResult<x86_64::RegisterFile> Session::read_registers_for_gdb(ThreadId thread) {
    auto regs = target_.read_registers(thread);
    if (regs) x86_64::derive_i386_aliases(*regs);
    return regs;
}

std::string Session::handle_read_registers() {
    auto regs = read_registers_for_gdb(register_thread());
    if (!regs) return error_reply(regs.error());
    return encode_hex(regs->block());
}

std::string Session::handle_write_registers(std::string_view hex) {
    // gdb sends the whole block; a client that knows only the 64-bit registers (the layout
    // before the i386 aliases) sends the first register_offset(Eax) bytes.
    auto bytes = decode_hex(hex);
    if (!bytes || (bytes->size() != x86_64::register_block_size() &&
                   bytes->size() != x86_64::register_offset(x86_64::Eax)))
        return errors::kMalformed;
    auto before = read_registers_for_gdb(register_thread());
    if (!before) return error_reply(before.error());
    x86_64::RegisterFile regs = *before;
    std::copy(bytes->begin(), bytes->end(), regs.block().begin());
    x86_64::merge_i386_aliases(*before, regs);
    auto result = target_.write_registers(register_thread(), regs);
    return result ? "OK" : error_reply(result.error());
}

std::string Session::handle_read_register(std::string_view args) {
    auto regno = parse_hex(args);
    if (!regno || *regno >= uint64_t(x86_64::kRegisterCount)) return errors::kMalformed;
    auto regs = read_registers_for_gdb(register_thread());
    if (!regs) return error_reply(regs.error());
    return encode_hex(regs->bytes(int(*regno)));
}

std::string Session::handle_write_register(std::string_view args) {
    auto parts = split_once(args, '=');
    if (!parts) return errors::kMalformed;
    auto regno = parse_hex(parts->first);
    auto value = decode_hex(parts->second);
    if (!regno || *regno >= uint64_t(x86_64::kRegisterCount) || !value) return errors::kMalformed;
    auto before = read_registers_for_gdb(register_thread());
    if (!before) return error_reply(before.error());
    x86_64::RegisterFile regs = *before;
    auto slot = regs.bytes(int(*regno));
    if (value->size() != slot.size()) return errors::kMalformed;
    std::copy(value->begin(), value->end(), slot.begin());
    x86_64::merge_i386_aliases(*before, regs);
    auto result = target_.write_registers(register_thread(), regs);
    return result ? "OK" : error_reply(result.error());
}

std::string Session::handle_read_memory(std::string_view args) {
    auto range = parse_range(args);
    // The hex reply takes two characters a byte and must fit in PacketSize.
    if (!range || range->second > options_.packet_size / 2) return errors::kMalformed;
    std::vector<uint8_t> buffer(range->second);
    if (buffer.empty()) return "";
    auto done = target_.read_memory(register_thread(), range->first, buffer);
    if (!done) return error_reply(done.error());
    // GDB manual E.2 'm': "The reply may contain fewer addressable memory units than
    // requested if the server was able to read only part of the region".
    if (*done == 0) return errors::kFault;
    return encode_hex(std::span(buffer).first(std::min(*done, buffer.size())));
}

std::string Session::handle_read_memory_binary(std::string_view args) {
    // LLDB's 'x' (lldb/docs/resources/lldbgdbremote.md "x"): the reply is the bytes themselves,
    // escaped like any binary data (frame() escapes '#', '$', '}' and '*' with '}' and XOR 0x20,
    // GDB manual E.1 "Overview"), and "x0,0" is LLDB's probe, answered "OK". Newer gdb (after 13)
    // defines an 'x' whose reply starts with 'b', but sends it only to stubs that report
    // binary-upload+ in qSupported, which svm does not: gdb reads with 'm', LLDB with this.
    auto range = parse_range(args);
    if (!range) return errors::kMalformed;
    if (range->second == 0) return "OK";
    // Escaping can double the data; at most half of PacketSize keeps the reply inside it. A
    // longer request gets fewer bytes, which LLDB accepts as for 'm'.
    size_t length = std::min<uint64_t>(range->second, (options_.packet_size - 1) / 2);
    std::vector<uint8_t> buffer(length);
    auto done = target_.read_memory(register_thread(), range->first, buffer);
    if (!done) return error_reply(done.error());
    if (*done == 0) return errors::kFault;
    return std::string(buffer.begin(), buffer.begin() + long(std::min(*done, buffer.size())));
}

std::string Session::handle_memory_region(std::string_view args) {
    if (!target_.supports_memory_regions()) return "";
    auto addr = parse_hex(args);
    if (!addr) return errors::kMalformed;
    auto region = target_.memory_region(register_thread(), *addr);
    // LLDB shows "error:" (a hex-encoded message) to the user.
    if (!region) return "error:" + encode_hex(region.error().message) + ";";
    return protocol::format_memory_region(*region);
}

std::string Session::handle_write_memory(std::string_view args, bool binary) {
    auto parts = split_once(args, ':');
    if (!parts) return errors::kMalformed;
    auto range = parse_range(parts->first);
    if (!range || range->second > options_.packet_size) return errors::kMalformed;
    std::vector<uint8_t> data;
    if (binary) {
        // X: the data is binary; the decoder already undid the escapes.
        data.assign(parts->second.begin(), parts->second.end());
    } else {
        auto decoded = decode_hex(parts->second);
        if (!decoded) return errors::kMalformed;
        data = std::move(*decoded);
    }
    if (data.size() != range->second) return errors::kMalformed;
    // "X addr,0:" is gdb's probe for binary download support.
    if (data.empty()) return "OK";
    auto done = target_.write_memory(register_thread(), range->first, data);
    if (!done) return error_reply(done.error());
    return *done == data.size() ? "OK" : errors::kFault;
}

std::string Session::handle_breakpoint(std::string_view args, bool insert) {
    // "type,addr,kind" optionally followed by ";cond_list" (conditions of Z0/Z1, agent
    // expressions: GDB manual E.2 "Z0") and ";cmds:..." (ignored: svm does not advertise
    // BreakpointCommands).
    std::string_view options;
    if (auto parts = split_once(args, ';')) {
        args = parts->first;
        options = parts->second;
    }
    auto type_rest = split_once(args, ',');
    if (!type_rest) return errors::kMalformed;
    auto type = parse_hex(type_rest->first);
    auto range = parse_range(type_rest->second);
    if (!type || *type > 4 || !range) return errors::kMalformed;
    auto kind = BreakpointType(*type);
    // Unsupported types get the empty reply, so gdb falls back (e.g. to memory breakpoints).
    if (!target_.supports(kind)) return "";
    auto [addr, size] = *range;
    // gdb inserts a breakpoint once per inferior, with a thread of that inferior selected (Hg).
    const int pid = process_of(register_thread());
    // Conditions exist for breakpoints only; watchpoints keep being passed straight through.
    bool conditional = kind == BreakpointType::Software || kind == BreakpointType::Hardware;
    if (!insert) {
        auto result = target_.remove_breakpoint_in(pid, kind, addr, size);
        if (result && conditional) breakpoints_.erase(pid, kind, addr);
        return result ? "OK" : error_reply(result.error());
    }
    if (!conditional) {
        auto result = target_.insert_breakpoint_in(pid, kind, addr, size);
        return result ? "OK" : error_reply(result.error());
    }
    // Validated once, here: a condition that cannot run is refused with the reason and the
    // breakpoint is not inserted (gdb shows the error).
    auto parsed = protocol::parse_breakpoint_options(options);
    if (!parsed) {
        log(fmt::format("breakpoint at {:#x} refused: {}", addr, parsed.error()));
        return "E.breakpoint condition refused: " + parsed.error();
    }
    // gdb sends Z0 again for an inserted breakpoint when the user edits its condition: only the
    // conditions change (the target counts insertions; gdb will remove it once).
    if (breakpoints_.contains(pid, kind, addr)) {
        breakpoints_.insert(pid, kind, addr, size, std::move(parsed->conditions));
        return "OK";
    }
    auto result = target_.insert_breakpoint_in(pid, kind, addr, size);
    if (!result) return error_reply(result.error());
    breakpoints_.insert(pid, kind, addr, size, std::move(parsed->conditions));
    return "OK";
}

}  // namespace svm::gdb
