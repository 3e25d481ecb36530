#include "gdbstub/protocol/stop_reply.h"

#include <fmt/format.h>

#include "gdbstub/protocol/hex.h"
#include "gdbstub/protocol/thread_id.h"

namespace svm::gdb::protocol {

std::string format_stop_reply(const StopReason& reason, bool multiprocess) {
    if (reason.kind == StopReason::Kind::Exited) {
        std::string reply = fmt::format("W{:02x}", reason.exit_code & 0xff);
        if (multiprocess) reply += fmt::format(";process:{:x}", process_of(reason.thread));
        return reply;
    }
    std::string reply = fmt::format("T{:02x}", reason.signal & 0xff);
    for (auto [regno, value] : reason.expedite) {
        if (regno < 0 || regno >= x86_64::kRegisterCount) continue;
        x86_64::RegisterFile file;
        file.set(regno, value);
        reply += fmt::format("{:02x}:{};", regno, encode_hex(file.bytes(regno)));
    }
    reply += fmt::format("thread:{};", format_thread_id(reason.thread, multiprocess));
    switch (reason.detail) {
        case StopReason::Detail::None:
            break;
        case StopReason::Detail::SwBreak:
            reply += "swbreak:;";
            break;
        case StopReason::Detail::HwBreak:
            reply += "hwbreak:;";
            break;
        case StopReason::Detail::Watch:
            reply += fmt::format("watch:{:x};", reason.watch_address);
            break;
        case StopReason::Detail::RWatch:
            reply += fmt::format("rwatch:{:x};", reason.watch_address);
            break;
        case StopReason::Detail::AWatch:
            reply += fmt::format("awatch:{:x};", reason.watch_address);
            break;
    }
    return reply;
}

}  // namespace svm::gdb::protocol
