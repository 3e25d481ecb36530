// The display device family (see core/machine/device_context.h): the VGA registers, the text
// screen over guest RAM at 0xB8000, and what the user sees of it (--display, --screen-text).
#include <svm/machine.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/log.h"
#include "core/machine/device_context.h"
#include "core/machine/machine_table.h"
#include "core/machine/pc/display_ansi.h"
#include "core/machine/pc/display_report.h"
#include "core/machine/pc/display_terminal.h"
#include "core/machine/pc/pc_layout.h"
#include "core/write_all.h"
#include "devices/display/text_screen.h"

namespace svm {

namespace {

// A VGA BIOS clears the screen to blank cells (space, light grey on black) when it sets mode 3.
// svm does the same, unless something was loaded there (then that is the screen's content).
void clear_like_a_bios(GuestMemory& memory) {
    auto buffer = memory.span(pc::kVgaTextBase, pc::kVgaTextSize);
    if (!buffer) return;
    if (std::any_of(buffer->begin(), buffer->end(), [](uint8_t b) { return b != 0; })) return;
    for (size_t i = 0; i < buffer->size(); i += 2) {
        (*buffer)[i] = 0x20;
        (*buffer)[i + 1] = 0x07;
    }
}

Result<void> write_screen_text(const std::string& path, const TextSnapshot& screen) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return error("--screen-text: cannot write '{}': {}", path, std::strerror(errno));
    out << screen.text();
    out.flush();
    if (!out) return error("--screen-text: cannot write '{}'", path);
    return {};
}

}  // namespace

Result<void> add_display(DeviceContext& ctx, PcDevices& out) {
    auto registers = std::make_shared<VgaRegisters>();
    TRY(ctx.io_bus.add(pc::kVgaPortsBase, pc::kVgaPortsSize, registers, "vga"));
    ctx.device_entries.push_back(make_device(SVM_DEV_VGA_TEXT, "vga-text", pc::kVgaPortsBase,
                                             pc::kVgaPortsSize, SVM_IRQ_NONE, pc::kVgaTextBase,
                                             pc::kVgaTextSize));

    // The text buffer is RAM the guest writes without exits: read it when a renderer asks.
    GuestMemory& memory = ctx.memory;
    auto screen = std::make_shared<TextScreen>(
        registers, [&memory](uint64_t offset, std::span<uint8_t> bytes) {
            return memory.read(pc::kVgaTextBase + offset, bytes).has_value();
        });
    clear_like_a_bios(memory);
    screen->remember_initial();
    out.text_screen = screen;

    // --screen-text: fail now, before the guest runs, if the file cannot be written.
    if (ctx.config.screen_text_path) {
        const std::string path = *ctx.config.screen_text_path;
        TRY(write_screen_text(path, screen->snapshot()));
        ctx.at_end.push_back([screen, path](const RunOutcome&) {
            if (auto r = write_screen_text(path, screen->snapshot()); !r)
                log::error("{}", r.error().message);
        });
    }

    const std::string& mode = ctx.config.display;
    if (mode != "auto" && mode != "text" && mode != "none")
        return error("unknown --display '{}' (use auto, text or none)", mode);
    if (mode == "text") {
        // The terminal the user looks at: where the serial console goes if that is one.
        int fd = isatty(STDOUT_FILENO) ? STDOUT_FILENO : STDERR_FILENO;
        std::shared_ptr<TerminalDisplay> live = TerminalDisplay::start(screen, fd);
        if (live) {
            ctx.owned.push_back(live);
            ctx.at_end.push_back([live](const RunOutcome&) { live->stop(); });
            return {};
        }
        log::info(
            "--display text needs a terminal of at least {}x{}; the screen is printed "
            "when the run ends instead",
            TextSnapshot::kColumns, kAnsiMinRows);
    }
    if (mode == "text" || mode == "auto") {
        // Printed on stderr with svm's end-of-run report: stdout stays the guest's serial
        // output, byte for byte, for whoever pipes it.
        const bool always = mode == "text";
        ctx.at_end.push_back([screen, always](const RunOutcome&) {
            if (!always && !screen->was_written()) return;
            write_all(STDERR_FILENO, final_screen_report(screen->snapshot()));
        });
    }
    return {};
}

}  // namespace svm
