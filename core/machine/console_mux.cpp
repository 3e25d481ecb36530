#include "core/machine/console_mux.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/machine/console.h"

namespace svm {

namespace {

// SGR foreground colours (ECMA-48 8.3.117): cyan, yellow, green, magenta, blue, red.
constexpr const char* kColours[] = {"36", "33", "32", "35", "34", "31"};

}  // namespace

ConsoleMux::ConsoleMux(Console& out, std::vector<std::string> names, bool colour)
    : out_(out), names_(std::move(names)), colour_(colour) {
    for (const std::string& name : names_) width_ = std::max(width_, name.size());
}

bool ConsoleMux::want_colour(int fd) {
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color && *no_color) return false;
    const char* term = std::getenv("TERM");
    if (term && std::strcmp(term, "dumb") == 0) return false;
    return isatty(fd) == 1;
}

std::string ConsoleMux::prefix(size_t vm) const {
    std::string name = vm < names_.size() ? names_[vm] : "vm" + std::to_string(vm + 1);
    name.resize(std::max(width_, name.size()), ' ');
    if (!colour_) return name + " | ";
    return std::string("\x1b[") + kColours[vm % std::size(kColours)] + "m" + name + " |\x1b[0m ";
}

std::string ConsoleMux::format_locked(size_t vm, std::span<const uint8_t> bytes) {
    std::string out;
    out.reserve(bytes.size() + 32);
    if (bytes.empty()) return out;
    if (unfinished_ && *unfinished_ != vm) {
        out += '\n';  // another VM's unfinished line: end it here
        unfinished_.reset();
    }
    for (uint8_t byte : bytes) {
        if (!unfinished_) {
            out += prefix(vm);
            unfinished_ = vm;
        }
        out += static_cast<char>(byte);
        if (byte == '\n') unfinished_.reset();
    }
    return out;
}

std::string ConsoleMux::format(size_t vm, std::span<const uint8_t> bytes) {
    std::lock_guard lock(mutex_);
    return format_locked(vm, bytes);
}

void ConsoleMux::write(size_t vm, std::span<const uint8_t> bytes, bool wait_for_room) {
    std::lock_guard lock(mutex_);
    const std::string text = format_locked(vm, bytes);
    out_.write({reinterpret_cast<const uint8_t*>(text.data()), text.size()}, wait_for_room);
}

}  // namespace svm
