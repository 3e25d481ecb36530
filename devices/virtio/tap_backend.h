// A Linux TAP device as a network back-end (Documentation/networking/tuntap.rst): opened from
// /dev/net/tun with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR and a 12-byte virtio_net_hdr
// (TUNSETVNETHDRSZ), so each read and write is one frame prefixed with the header virtio-net
// uses. The interface is created if absent (and then disappears when svm exits) or attached to
// if it exists (created beforehand with `ip tuntap add dev NAME mode tap user USER`).
//
// Receiving is event-driven: one thread sleeps in poll(2) on the TAP fd and an eventfd that
// stop() signals; it reads every frame that is ready, then sleeps again.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "core/result.h"
#include "devices/virtio/net_backend.h"

namespace svm::virtio {

class TapBackend final : public NetBackend {
public:
    // Opens (creating if absent) the TAP interface `name` (at most 15 bytes) in the calling
    // thread's network namespace. Returns one sentence saying what is missing: /dev/net/tun
    // (the tun module), CAP_NET_ADMIN, or a name in use by another kind of interface.
    static Result<std::unique_ptr<TapBackend>> create(const std::string& name);
    ~TapBackend() override;

    TapBackend(const TapBackend&) = delete;
    TapBackend& operator=(const TapBackend&) = delete;

    // The interface's name as the kernel reports it.
    const std::string& name() const { return name_; }
    // Frames the receive thread dropped because a read failed (other than "no more frames").
    uint64_t read_errors() const { return read_errors_.load(std::memory_order_relaxed); }

    // ^NetBackend
    Result<void> send(const VirtioNetHdr& header, std::span<const uint8_t> frame) override;
    Result<void> start(Receiver receiver) override;
    void stop() override;

private:
    TapBackend(int fd, int stop_fd, std::string name)
        : fd_(fd), stop_fd_(stop_fd), name_(std::move(name)) {}
    void receive_loop(Receiver receiver);

    int fd_;       // the TAP queue, O_NONBLOCK
    int stop_fd_;  // an eventfd: written by stop() to wake the receive thread
    std::string name_;
    std::thread thread_;
    std::atomic<uint64_t> read_errors_{0};
};

}  // namespace svm::virtio
