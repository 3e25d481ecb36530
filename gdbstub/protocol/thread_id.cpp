#include "gdbstub/protocol/thread_id.h"

#include <fmt/format.h>

#include "gdbstub/protocol/hex.h"

namespace svm::gdb::protocol {
namespace {

// "-1" -> All, "0" -> Any, hex -> One (`thread` the value, unchecked against any process).
std::optional<ThreadSelector> parse_plain(std::string_view text) {
    if (text == "-1") return ThreadSelector{ThreadSelector::Kind::All, 0};
    auto value = parse_hex(text);
    if (!value || *value > 0x7fffffff) return std::nullopt;
    if (*value == 0) return ThreadSelector{ThreadSelector::Kind::Any, 0};
    return ThreadSelector{ThreadSelector::Kind::One, ThreadId(*value)};
}

}  // namespace

std::optional<ThreadSelector> parse_thread_id(std::string_view text, int max_pid) {
    if (text.empty() || text[0] != 'p') {
        auto plain = parse_plain(text);
        if (plain && plain->kind == ThreadSelector::Kind::One) {
            plain->process = process_of(plain->thread);
            if (plain->process > max_pid) return std::nullopt;
        }
        return plain;
    }
    text.remove_prefix(1);
    std::string_view pid = text;
    std::string_view tid;
    if (auto parts = split_once(text, '.')) {
        pid = parts->first;
        tid = parts->second;
    }
    auto process = parse_plain(pid);
    if (!process) return std::nullopt;
    int pid_value = 0;  // any/every process
    if (process->kind == ThreadSelector::Kind::One) {
        if (process->thread > max_pid || process->thread > kMaxProcesses) return std::nullopt;
        pid_value = process->thread;
    }
    // "pP" alone means every thread of P (GDB manual E.1).
    if (tid.empty()) {
        if (pid.size() != text.size()) return std::nullopt;  // "pP."
        return ThreadSelector{ThreadSelector::Kind::All, 0, pid_value};
    }
    auto thread = parse_plain(tid);
    if (!thread) return std::nullopt;
    if (thread->kind != ThreadSelector::Kind::One) {
        thread->process = pid_value;
        return thread;
    }
    // "p-1.N" / "p0.N" name no process: N is read as in process 1, as without the extension.
    if (pid_value == 0) pid_value = kPid;
    if (thread->thread >= kMaxThreadsPerProcess) return std::nullopt;
    return ThreadSelector{ThreadSelector::Kind::One, make_thread_id(pid_value, thread->thread),
                          pid_value};
}

std::string format_thread_id(ThreadId thread, bool multiprocess) {
    return multiprocess ? fmt::format("p{:x}.{:x}", process_of(thread), local_thread(thread))
                        : fmt::format("{:x}", thread);
}

std::optional<int> parse_pid(std::string_view text, int max_pid) {
    auto value = parse_hex(text);
    if (!value || *value < 1 || *value > uint64_t(max_pid)) return std::nullopt;
    return int(*value);
}

}  // namespace svm::gdb::protocol
