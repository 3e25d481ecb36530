// vCont parsing (GDB manual E.2 "Packets", vCont): "vCont[;action[:thread-id]]..." with actions
// c, CSIG, s, SSIG, t and r START,END (range stepping). An action without a thread id applies to
// every thread that has no action of its own; the first action that matches a thread wins.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "gdbstub/debug_target.h"

namespace svm::gdb::protocol {

// Returns the actions of a vCont packet's argument (the text after "vCont;"), std::nullopt if
// it is malformed (unknown action, bad signal, thread id or range, a pid outside 1..max_pid, or
// no action at all). A range step becomes a ResumeAction of Kind::RangeStep with range_start and
// range_end. An action for "pP.-1" (multiprocess extensions) has thread -1 and process P.
std::optional<std::vector<ResumeAction>> parse_vcont(std::string_view args, int max_pid = 1);

}  // namespace svm::gdb::protocol
