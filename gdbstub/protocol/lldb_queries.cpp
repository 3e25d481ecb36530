#include "gdbstub/protocol/lldb_queries.h"

#include <fmt/format.h>

#include "gdbstub/protocol/hex.h"
#include "gdbstub/protocol/thread_id.h"

namespace svm::gdb::protocol {

namespace {

std::string machine_keys() {
    return fmt::format("triple:{};endian:little;ptrsize:8;", encode_hex(std::string_view(kTriple)));
}

}  // namespace

std::string format_host_info() {
    return machine_keys() + "watchpoint_exceptions_received:after;";
}

std::string format_process_info() {
    return fmt::format("pid:{:x};parent-pid:{:x};", kPid, kPid) + machine_keys();
}

std::string format_memory_region(const MemoryRegion& region) {
    std::string reply = fmt::format("start:{:x};size:{:x};", region.start, region.size);
    if (region.mapped) {
        reply += "permissions:";
        if (region.readable) reply += 'r';
        if (region.writable) reply += 'w';
        if (region.executable) reply += 'x';
        reply += ';';
    }
    if (!region.name.empty()) reply += "name:" + encode_hex(region.name) + ";";
    return reply;
}

}  // namespace svm::gdb::protocol
