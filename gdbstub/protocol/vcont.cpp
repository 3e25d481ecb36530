#include "gdbstub/protocol/vcont.h"

#include "gdbstub/protocol/hex.h"
#include "gdbstub/protocol/thread_id.h"

namespace svm::gdb::protocol {

std::optional<std::vector<ResumeAction>> parse_vcont(std::string_view args, int max_pid) {
    std::vector<ResumeAction> actions;
    while (!args.empty()) {
        std::string_view item = args;
        if (auto parts = split_once(args, ';')) {
            item = parts->first;
            args = parts->second;
            if (args.empty()) return std::nullopt;  // a trailing ';'
        } else {
            args = {};
        }
        std::string_view verb = item;
        ResumeAction action;
        if (auto parts = split_once(item, ':')) {
            verb = parts->first;
            auto selector = parse_thread_id(parts->second, max_pid);
            if (!selector || selector->kind == ThreadSelector::Kind::Any) return std::nullopt;
            action.thread = selector->kind == ThreadSelector::Kind::All ? -1 : selector->thread;
            // "pP.-1": every thread of process P only.
            if (selector->kind == ThreadSelector::Kind::All) action.process = selector->process;
        }
        if (verb.empty()) return std::nullopt;
        switch (verb[0]) {
            case 'c':
            case 's':
            case 't':
                if (verb.size() != 1) return std::nullopt;
                action.kind = verb[0] == 'c'   ? ResumeAction::Kind::Continue
                              : verb[0] == 's' ? ResumeAction::Kind::Step
                                               : ResumeAction::Kind::Stop;
                break;
            case 'C':
            case 'S': {
                auto signal = parse_hex(verb.substr(1));
                if (verb.size() != 3 || !signal) return std::nullopt;
                action.kind =
                    verb[0] == 'C' ? ResumeAction::Kind::Continue : ResumeAction::Kind::Step;
                action.signal = int(*signal);
                break;
            }
            case 'r': {
                // "rSTART,END": keep stepping while START <= pc < END.
                auto bounds = split_once(verb.substr(1), ',');
                auto start = bounds ? parse_hex(bounds->first) : std::nullopt;
                auto end = bounds ? parse_hex(bounds->second) : std::nullopt;
                if (!start || !end) return std::nullopt;
                action.kind = ResumeAction::Kind::RangeStep;
                action.range_start = *start;
                action.range_end = *end;
                break;
            }
            default:
                return std::nullopt;
        }
        actions.push_back(action);
    }
    if (actions.empty()) return std::nullopt;
    return actions;
}

}  // namespace svm::gdb::protocol
