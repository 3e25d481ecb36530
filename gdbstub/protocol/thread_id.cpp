#include "gdbstub/protocol/thread_id.h"

#include <fmt/format.h>

#include "gdbstub/protocol/hex.h"

namespace svm::gdb::protocol {
namespace {

// "-1" -> All, "0" -> Any, hex -> One.
std::optional<ThreadSelector> parse_plain(std::string_view text) {
    if (text == "-1") return ThreadSelector{ThreadSelector::Kind::All, 0};
    auto value = parse_hex(text);
    if (!value || *value > 0x7fffffff) return std::nullopt;
    if (*value == 0) return ThreadSelector{ThreadSelector::Kind::Any, 0};
    return ThreadSelector{ThreadSelector::Kind::One, ThreadId(*value)};
}

}  // namespace

std::optional<ThreadSelector> parse_thread_id(std::string_view text) {
    if (text.empty() || text[0] != 'p') return parse_plain(text);
    text.remove_prefix(1);
    std::string_view pid = text;
    std::string_view tid;
    if (auto parts = split_once(text, '.')) {
        pid = parts->first;
        tid = parts->second;
    }
    auto process = parse_plain(pid);
    if (!process) return std::nullopt;
    if (process->kind == ThreadSelector::Kind::One && process->thread != kPid) return std::nullopt;
    // "pP" alone means every thread of P (GDB manual E.1).
    if (tid.empty()) {
        return pid.size() == text.size()
                   ? std::optional(ThreadSelector{ThreadSelector::Kind::All, 0})
                   : std::nullopt;
    }
    return parse_plain(tid);
}

std::string format_thread_id(ThreadId thread, bool multiprocess) {
    return multiprocess ? fmt::format("p{:x}.{:x}", kPid, thread) : fmt::format("{:x}", thread);
}

}  // namespace svm::gdb::protocol
