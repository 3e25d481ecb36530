// --display text: mirrors the VGA text screen live in the terminal, as QEMU's curses display
// does, with the layout of display_ansi.h (screen on top, serial output scrolling below). A
// renderer thread redraws what changed 25 times a second.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "devices/display/text_screen.h"

namespace svm {

class TerminalDisplay {
public:
    // Redraw period: 40 ms, 25 frames a second (QEMU's text consoles refresh at 30 Hz).
    static constexpr int kFrameMs = 40;
    // How long stop() goes on trying to write to a terminal that takes nothing (Ctrl-S, a
    // stalled ssh session) before it gives up on the rest of the frame: the end of a run never
    // waits for the terminal longer (docs/reliability.md).
    static constexpr std::chrono::milliseconds kStopWriteLimit{250};

    // Starts mirroring `screen` on terminal `fd` (which svm does not own and does not close).
    // Returns null, having written nothing, if `fd` is not a terminal of at least 80 columns and
    // kAnsiMinRows rows; the caller then falls back to printing the screen when the run ends.
    static std::unique_ptr<TerminalDisplay> start(std::shared_ptr<TextScreen> screen, int fd);

    // Stops the renderer thread, draws the final screen and gives the terminal back
    // (ansi_leave), giving up on what the terminal has not taken within kStopWriteLimit.
    // Idempotent; the destructor calls it.
    void stop();
    ~TerminalDisplay();

private:
    TerminalDisplay(std::shared_ptr<TextScreen> screen, int fd);
    void loop();
    // Draws what changed since the last frame. Called on the renderer thread, or once it ended.
    void draw();
    // Writes `bytes`, waiting while the terminal takes nothing; gives up once stop() was called
    // and its kStopWriteLimit has passed.
    void write_all(const std::string& bytes);
    bool out_of_time() const;

    std::shared_ptr<TextScreen> screen_;
    const int fd_;
    std::optional<TextSnapshot> shown_;  // what the terminal shows; renderer thread only

    std::mutex mutex_;  // leaf; guards stopping_ and stopped_
    std::condition_variable wake_;
    bool stopping_ = false;
    bool stopped_ = false;
    // Steady-clock nanoseconds after which writes give up; max while no stop() was called.
    std::atomic<int64_t> give_up_at_ns_{INT64_MAX};
    std::thread thread_;
};

}  // namespace svm
