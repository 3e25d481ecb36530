// The host side of the guest console: where serial, port 0xE9 and hypercall output go, and where
// keyboard input for the guest comes from.
//
// Output goes through a bounded buffer (kBufferSize) that a writer thread writes out, so a vCPU
// never blocks in write(2) with a lock held. When the destination does not drain (`svm k | less`
// with the pager waiting, a stalled ssh session, Ctrl-S) and the buffer is full, the guest's write
// waits, as a UART with flow control does: nothing is lost. The wait ends as soon as the machine
// stops (stop_waiting()): from then on output that does not fit is dropped and counted. At the end
// of a run drain() writes what is buffered and abandon() gives up on the rest, interrupting a
// write(2) that blocks; unwritten_report() says how much was lost (docs/machine.md, "Console
// output when standard output stalls").
//
// Lock order: mutex_ is a leaf. The output-closed handler is called with no lock held.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace svm {

class Console {
public:
    // How much guest output svm holds while the destination does not take it: enough for a
    // burst of boot messages or one SVM_HC_WRITE (at most 1 MiB) as a unit.
    static constexpr size_t kBufferSize = size_t(1) << 20;
    using Clock = std::chrono::steady_clock;

    // `spec` is "stdio" (output to stdout, input from stdin), "file:PATH" (output to PATH, no
    // input) or "none" (output discarded). With `read_stdin` (--stdin keyboard) stdin is read
    // whatever the output spec. Returns an error for an unknown spec or an unwritable file.
    static Result<std::unique_ptr<Console>> create(const std::string& spec,
                                                   bool read_stdin = false);
    // Output to `fd`, which the console does not own or close (tests: a pipe or a socketpair);
    // `name` names it in reports ("standard output"). No input.
    static std::unique_ptr<Console> create_for_fd(int fd, std::string name,
                                                  size_t capacity = kBufferSize);
    // A VM of a set whose console is stdio (docs/multi-vm.md): write() hands its bytes to
    // `forward` (the set's ConsoleMux, which writes them to the one standard-output Console), with
    // `wait_for_room` false once stop_waiting() was called. drain() and abandon() leave that
    // shared output alone: the set drains it once every VM has ended. With `read_stdin` the
    // console reads standard input (start_input()).
    using Forward = std::function<void(std::span<const uint8_t> bytes, bool wait_for_room)>;
    static std::unique_ptr<Console> create_forwarding(Forward forward, bool read_stdin);
    // Gives up on unwritten output (abandon()), stops input and restores the terminal.
    ~Console();

    // Queues `bytes` as one unit: output of concurrent callers never interleaves within a call.
    // Waits while the buffer is full, until the writer thread makes room or stop_waiting() is
    // called; never waits after that (what does not fit is dropped and counted, so a unit may be
    // cut then). With `wait_for_room` false this call never waits either (a VM of a set that is
    // stopping, while the others still write).
    // FIXME: a vCPU that waits here cannot be paused, so a gdb stop waits for the destination
    // to drain (or for the run to end).
    void write(std::span<const uint8_t> bytes, bool wait_for_room = true);

    // `handler` is called once, on the writer thread, when the destination is gone for good
    // (EPIPE: the reader of a pipe went away, as `svm k | head` does). Output is discarded from
    // then on. Set it before the first write().
    void set_output_closed_handler(std::function<void()> handler);

    // The machine is stopping (timeout, signal, guest exit, gdb kill): wakes every write() that
    // waits for room and makes later ones drop what does not fit. Thread-safe, idempotent.
    void stop_waiting();

    // Waits until everything queued has been written (or the destination failed or closed), and
    // returns true then. Returns false early if `cancel_fd` (>= 0; e.g. a signalfd, which is not
    // read) becomes readable or `deadline` passes. Does not end the writer thread.
    bool drain(int cancel_fd, std::optional<Clock::time_point> deadline);

    // Drops what is still queued (counted as unwritten) and ends the writer thread, interrupting
    // a write(2) that blocks on a destination that does not drain. Later writes are dropped and
    // counted. Idempotent.
    void abandon();

    // Guest bytes that were dropped or abandoned (not counting those discarded after the
    // destination closed).
    uint64_t unwritten_bytes() const;
    // True once writing failed with EPIPE (see set_output_closed_handler).
    bool output_closed() const;
    // "N bytes of guest output were not written: standard output did not drain", or empty if
    // nothing was lost (or the destination was closed by its reader).
    std::string unwritten_report() const;

    // For stdio: puts a terminal stdin into raw mode (restored by the destructor, at exit and on
    // every signal that ends the process and can be caught) and starts a thread that passes every
    // byte typed to `on_input`. Does nothing for other backends or when stdin is closed.
    void start_input(std::function<void(std::span<const uint8_t>)> on_input);

    // Stops the input thread (idempotent).
    void stop_input();

    // The signal that interrupts the writer thread's write(2) (a real-time signal svm reserves;
    // its handler does nothing). Exposed for tests.
    static int interrupt_signal();

private:
    Console() = default;
    void start_writer(int fd, std::string name, size_t capacity);
    void writer_loop();
    // One write(2) of [data, data + len), retried after EINTR and, for a non-blocking fd, after
    // poll() says there is room. Returns the bytes written (> 0), -errno on failure, or 0 if
    // abandon() was called.
    ssize_t write_some(const uint8_t* data, size_t len);
    // Copies as much of `bytes` as fits into the ring. Returns the count. mutex_ held.
    size_t append_locked(std::span<const uint8_t> bytes);
    void input_loop();

    // Output.
    int out_fd_ = -1;  // -1 for "none" and for forwarding
    Forward forward_;  // create_forwarding()'s
    UniqueFd owned_out_;
    std::string out_name_;  // "standard output", "serial output file 'x'"

    mutable std::mutex mutex_;          // leaf lock; guards everything below up to writer_done_
    std::condition_variable space_cv_;  // writers: room in the ring, the turn, or stopping
    std::condition_variable data_cv_;   // writer thread: data queued or abandoned
    std::condition_variable done_cv_;   // abandon(): the writer thread has ended
    std::vector<uint8_t> ring_;
    size_t head_ = 0;          // first queued byte
    size_t size_ = 0;          // queued bytes, from head_ (wrapping)
    bool turn_taken_ = false;  // a write() waits for room mid-unit: others wait for their turn
    bool stopping_ = false;    // stop_waiting() was called
    bool abandoned_ = false;   // abandon() was called
    bool closed_ = false;      // EPIPE: the reader went away
    int failure_errno_ = 0;    // another write error: output is discarded
    uint64_t unwritten_ = 0;
    bool writer_done_ = false;
    bool drain_waiting_ = false;  // drain() wants drained_fd_ written when the ring empties
    std::function<void()> on_closed_;

    std::atomic<bool> stop_flag_{false};     // stopping_, readable without the lock
    std::atomic<bool> abandon_flag_{false};  // abandoned_, readable without the lock
    UniqueFd drained_fd_;      // eventfd: the writer thread emptied the ring (or stopped writing)
    UniqueFd wake_writer_fd_;  // eventfd: abandon() wakes a writer that polls a full fd
    std::thread writer_;

    // Input.
    bool has_input_ = false;
    std::function<void(std::span<const uint8_t>)> on_input_;
    std::thread input_thread_;
    UniqueFd wake_fd_;  // eventfd that ends the input thread
};

}  // namespace svm
