// The display device family (see core/machine/device_context.h): the VGA registers, the text
// screen over guest RAM at 0xB8000, and what the user sees of it (--display, --screen-text).
#include <svm/machine.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/display/png_writer.h"
#include "core/display/std_vga_screen.h"
#include "core/loader/video_mode.h"
#include "core/log.h"
#include "core/machine/device_context.h"
#include "core/machine/machine_table.h"
#include "core/machine/pc/display_ansi.h"
#include "core/machine/pc/display_report.h"
#include "core/machine/pc/display_terminal.h"
#include "core/machine/pc/pc_layout.h"
#include "core/write_all.h"
#include "devices/display/bochs_vbe.h"
#include "devices/display/text_screen.h"
#include "devices/display/vga_pci_function.h"
#include "devices/legacy/pci_bus.h"

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

// The display adapter's video memory: anonymous host memory, mapped into the guest as device
// memory (not RAM) behind the PCI BAR0.
class VideoMemory {
public:
    static Result<std::shared_ptr<VideoMemory>> create(uint64_t size) {
        void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            return error("cannot allocate {} MiB of video memory: {}", size >> 20,
                         std::strerror(errno));
        return std::shared_ptr<VideoMemory>(new VideoMemory(static_cast<uint8_t*>(p), size));
    }
    ~VideoMemory() { munmap(data_, size_); }
    std::span<uint8_t> span() { return {data_, size_}; }

private:
    VideoMemory(uint8_t* data, uint64_t size) : data_(data), size_(size) {}
    uint8_t* data_;
    uint64_t size_;
};

Result<void> write_screenshot(const std::string& path, const StdVgaScreen& screen) {
    auto r = write_png(path, screen.picture());
    if (!r) return error("--screenshot: {}", r.error().message);
    return {};
}

// The Bochs VBE adapter (QEMU's std VGA): its registers at 0x1CE, its PCI function at 00:02.0
// with the framebuffer behind BAR0, the mode a Multiboot kernel was promised, and the screen
// viewers and screenshots see (docs/devices.md, "Display adapter (Bochs VBE)").
Result<void> add_framebuffer(DeviceContext& ctx, PcDevices& out,
                             const std::shared_ptr<TextScreen>& text) {
    auto vram = TRY(VideoMemory::create(pc::kLfbSize));
    ctx.owned.push_back(vram);
    auto vbe = std::make_shared<BochsVbe>(vram->span());
    TRY(ctx.io_bus.add(pc::kBochsVbeIndex, pc::kBochsVbePortsSize, vbe, "bochs-vbe"));

    std::shared_ptr<DeviceMemoryMapping> mapping;
    if (ctx.map_device_memory)
        mapping = std::make_shared<DeviceMemoryMapping>(
            TRY(ctx.map_device_memory(pc::kLfbBase, vram->span())));
    // The guest may move BAR0 or turn memory decoding off (PCI 3.0, 6.2.2 and 6.2.5.1); the
    // framebuffer follows. A sizing write (all ones) seen with decoding on cannot be mapped over
    // the firmware area, so the mapping fails, is logged and the framebuffer comes back when the
    // guest restores the BAR.
    auto on_bar0 = [mapping](uint32_t address, bool decoding) {
        if (!mapping) return;
        auto r = mapping->move(decoding ? std::optional<uint64_t>(address) : std::nullopt);
        if (!r)
            log::verbose("display: the framebuffer is not mapped at {:#x}: {}", address,
                         r.error().message);
    };
    // At 00:02.0, where QEMU's i440fx machine puts its VGA. (Without a PCI bus, in unit tests
    // of this family alone, the framebuffer is simply at its address.)
    if (out.pci &&
        !out.pci->add(0, pc::kPciDisplayDevice, 0, std::make_shared<VgaPciFunction>(uint32_t(pc::kLfbBase), on_bar0)))
        return error("PCI slot 00:02.0 for the display adapter is not available");
    ctx.device_entries.push_back(make_device(SVM_DEV_DISPLAY, "display", pc::kBochsVbeIndex,
                                             pc::kBochsVbePortsSize, SVM_IRQ_NONE, pc::kLfbBase,
                                             pc::kLfbSize));

    if (ctx.boot_video && ctx.boot_video->kind == VideoMode::Kind::Linear) {
        // What GRUB does for a Multiboot video request: set the mode before the kernel runs.
        const VideoMode& want = *ctx.boot_video;
        VbeMode set = vbe->set_mode(want.width, want.height, want.bpp);
        SVM_ASSERT(set.width == want.width && set.height == want.height && set.pitch == want.pitch);
        // An 8-bpp mode: the DAC holds the palette the boot information lists (6-bit DAC).
        if (want.bpp == 8) {
            const auto& palette = vga_default_palette();
            for (size_t i = 0; i < palette.size(); ++i)
                text->registers().set_dac(static_cast<uint8_t>(i),
                                          {uint8_t(palette[i].red >> 2),
                                           uint8_t(palette[i].green >> 2),
                                           uint8_t(palette[i].blue >> 2)});
        }
    }

    StdVgaScreen::DirtyLog dirty_log;
    if (mapping)
        dirty_log = [mapping](std::span<uint64_t> bitmap) { return mapping->dirty_log(bitmap); };
    auto screen = std::make_shared<StdVgaScreen>(text, vbe, vram->span(), std::move(dirty_log));
    out.screen = screen;

    // --screenshot: fail now, before the guest runs, if the file cannot be written.
    if (ctx.config.screenshot_path) {
        const std::string path = *ctx.config.screenshot_path;
        TRY(write_screenshot(path, *screen));
        ctx.at_end.push_back([screen, path](const RunOutcome&) {
            if (auto r = write_screenshot(path, *screen); !r) log::error("{}", r.error().message);
        });
    }
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

    TRY(add_framebuffer(ctx, out, screen));

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
        ctx.at_end.push_back([screen, always, vm = ctx.config.set_vm_name](const RunOutcome&) {
            if (!always && !screen->was_written()) return;
            write_all(STDERR_FILENO, final_screen_report(screen->snapshot(), vm));
        });
    }
    return {};
}

}  // namespace svm
