// User-mode networking as a network back-end (`--net user`): libslirp, QEMU's user network
// stack, terminates the guest's Ethernet, IP, TCP and UDP and relays connections through
// ordinary host sockets, so svm needs no root, no TAP and no host configuration.
//
// The network is QEMU's (user_net_options.h): 10.0.2.0/24, gateway and host alias 10.0.2.2,
// DNS forwarder 10.0.2.3, DHCP from 10.0.2.15; IPv6 as QEMU too (fec0::/64, host fec0::2, DNS
// fec0::3, router advertisements). It is not `restricted`: the guest reaches whatever the host
// can reach, through slirp's usual relaying. svm sets nothing else (no TFTP, no boot file, no
// DNS search list, no guestfwd, no SMB); the host reaches the guest only through the forwards.
//
// libslirp is not thread-safe: every call into it after create() runs on one back-end thread,
// which sleeps in poll(2) on slirp's sockets and an eventfd, with the timeout of slirp's next
// timer. send() queues a frame (bounded) and signals the eventfd; the thread hands queued frames
// to slirp_input(), and slirp's frames for the guest reach the Receiver from that thread.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "core/result.h"
#include "devices/virtio/net_backend.h"
#include "devices/virtio/user_net_options.h"

struct Slirp;  // libslirp.h

namespace svm::virtio {

class SlirpBackend final : public NetBackend {
public:
    // Frames send() holds for the back-end thread at most; beyond, send() drops and says so.
    static constexpr size_t kQueueFrames = 256;

    // Creates the user network and binds every host port of `forwards` (the listening sockets
    // exist when this returns; connections wait in their backlog until start()). Returns one
    // sentence naming the forward if an address is invalid or the port cannot be bound (in use,
    // or below 1024 without CAP_NET_BIND_SERVICE), or if libslirp or the eventfd cannot be set up.
    static Result<std::unique_ptr<SlirpBackend>> create(std::span<const SlirpForward> forwards);
    ~SlirpBackend() override;

    SlirpBackend(const SlirpBackend&) = delete;
    SlirpBackend& operator=(const SlirpBackend&) = delete;

    // Frames sent by the guest that slirp never saw: the queue was full, or the frame was
    // malformed (too long, or a NEEDS_CSUM header pointing outside it).
    uint64_t dropped_frames() const { return dropped_frames_.load(std::memory_order_relaxed); }

    // ^NetBackend
    // Queues the frame for slirp; the header's NEEDS_CSUM (5.1.6.2) is honoured by computing the
    // checksum in software, other offloads are not expected (virtio-net offers none).
    Result<void> send(const VirtioNetHdr& header, std::span<const uint8_t> frame) override;
    Result<void> start(Receiver receiver) override;
    void stop() override;

private:
    // A timer slirp made with timer_new (TCP has none: its timers run in slirp_pollfds_poll).
    struct Timer {
        void (*callback)(void*);
        void* callback_opaque;
        std::optional<int64_t> expire_ms;  // on the clock_get_ns() clock; none = not armed
    };

    explicit SlirpBackend(int wake_fd) : wake_fd_(wake_fd) {}
    void run();
    void wake();
    void run_expired_timers();
    int64_t next_timer_deadline_ms() const;

    // The SlirpCb callbacks; `opaque` is the SlirpBackend.
    static ssize_t send_packet(const void* buffer, size_t length, void* opaque);
    static void guest_error(const char* message, void* opaque);
    static int64_t clock_get_ns(void* opaque);
    static void* timer_new(void (*callback)(void*), void* callback_opaque, void* opaque);
    static void timer_free(void* timer, void* opaque);
    static void timer_mod(void* timer, int64_t expire_ms, void* opaque);
    static void register_poll_fd(int fd, void* opaque);
    static void unregister_poll_fd(int fd, void* opaque);
    static void notify(void* opaque);
    static int add_poll(int fd, int events, void* opaque);
    static int get_revents(int index, void* opaque);

    Slirp* slirp_ = nullptr;
    int wake_fd_;  // an eventfd: written by send(), stop() and slirp's notify()
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<uint64_t> dropped_frames_{0};

    // Guarded by queue_mutex_ (a leaf lock: nothing else is taken or called while it is held).
    std::mutex queue_mutex_;
    std::deque<std::vector<uint8_t>> queue_;

    // Owned by the back-end thread while it runs (by create() and the destructor otherwise).
    Receiver receiver_;
    std::vector<std::unique_ptr<Timer>> timers_;
    std::vector<pollfd> poll_fds_;
    unsigned guest_errors_logged_ = 0;
};

}  // namespace svm::virtio
