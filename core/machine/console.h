// The host side of the guest console: where serial, port 0xE9 and hypercall output go, and where
// keyboard input for the guest comes from.
#pragma once

#include <termios.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "core/result.h"
#include "core/unique_fd.h"

namespace svm {

class Console {
public:
    // `spec` is "stdio" (output to stdout, input from stdin), "file:PATH" (output to PATH, no
    // input) or "none" (output discarded). With `read_stdin` (--stdin keyboard) stdin is read
    // whatever the output spec. Returns an error for an unknown spec or an unwritable file.
    static Result<std::unique_ptr<Console>> create(const std::string& spec,
                                                   bool read_stdin = false);
    ~Console();

    // Writes `bytes` as one unit: output of concurrent callers never interleaves within a call.
    void write(std::span<const uint8_t> bytes);

    // For stdio: puts a terminal stdin into raw mode (restored by the destructor, at exit and on
    // fatal signals) and starts a thread that passes every byte typed to `on_input`. Does nothing
    // for other backends or when stdin is closed.
    void start_input(std::function<void(std::span<const uint8_t>)> on_input);

    // Stops the input thread (idempotent).
    void stop_input();

private:
    Console() = default;
    void input_loop();

    std::mutex write_mutex_;  // leaf lock
    FILE* out_ = nullptr;     // null for "none"
    bool owns_out_ = false;
    bool has_input_ = false;

    std::function<void(std::span<const uint8_t>)> on_input_;
    std::thread input_thread_;
    UniqueFd wake_fd_;  // eventfd that ends the input thread
};

}  // namespace svm
