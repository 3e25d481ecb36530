// Session: registers (g/G/p/P), memory (m/M/X) and breakpoints (Z/z); GDB manual E.2 "Packets".
// Every length is checked against PacketSize before any buffer is sized from it.
#include <fmt/format.h>

#include "gdbstub/protocol/hex.h"
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

std::string Session::handle_read_registers() {
    auto regs = target_.read_registers(register_thread());
    if (!regs) return error_reply(regs.error());
    return encode_hex(regs->block());
}

std::string Session::handle_write_registers(std::string_view hex) {
    auto bytes = decode_hex(hex);
    if (!bytes || bytes->size() != x86_64::register_block_size()) return errors::kMalformed;
    x86_64::RegisterFile regs;
    std::copy(bytes->begin(), bytes->end(), regs.block().begin());
    auto result = target_.write_registers(register_thread(), regs);
    return result ? "OK" : error_reply(result.error());
}

std::string Session::handle_read_register(std::string_view args) {
    auto regno = parse_hex(args);
    if (!regno || *regno >= uint64_t(x86_64::kRegisterCount)) return errors::kMalformed;
    auto regs = target_.read_registers(register_thread());
    if (!regs) return error_reply(regs.error());
    return encode_hex(regs->bytes(int(*regno)));
}

std::string Session::handle_write_register(std::string_view args) {
    auto parts = split_once(args, '=');
    if (!parts) return errors::kMalformed;
    auto regno = parse_hex(parts->first);
    auto value = decode_hex(parts->second);
    if (!regno || *regno >= uint64_t(x86_64::kRegisterCount) || !value) return errors::kMalformed;
    auto regs = target_.read_registers(register_thread());
    if (!regs) return error_reply(regs.error());
    auto slot = regs->bytes(int(*regno));
    if (value->size() != slot.size()) return errors::kMalformed;
    std::copy(value->begin(), value->end(), slot.begin());
    auto result = target_.write_registers(register_thread(), *regs);
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
    // "type,addr,kind" optionally followed by ";cond_list" / ";cmds" which svm ignores.
    if (auto conditions = split_once(args, ';')) args = conditions->first;
    auto type_rest = split_once(args, ',');
    if (!type_rest) return errors::kMalformed;
    auto type = parse_hex(type_rest->first);
    auto range = parse_range(type_rest->second);
    if (!type || *type > 4 || !range) return errors::kMalformed;
    auto kind = BreakpointType(*type);
    // Unsupported types get the empty reply, so gdb falls back (e.g. to memory breakpoints).
    if (!target_.supports(kind)) return "";
    auto result = insert ? target_.insert_breakpoint(kind, range->first, range->second)
                         : target_.remove_breakpoint(kind, range->first, range->second);
    return result ? "OK" : error_reply(result.error());
}

}  // namespace svm::gdb
