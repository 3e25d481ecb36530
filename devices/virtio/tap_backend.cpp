#include "devices/virtio/tap_backend.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "core/log.h"

namespace svm::virtio {

Result<std::unique_ptr<TapBackend>> TapBackend::create(const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ)
        return error("TAP interface name '{}' must be 1 to {} bytes long", name, IFNAMSIZ - 1);
    int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENODEV || e == ENXIO)
            return error("TAP '{}' needs /dev/net/tun: load the tun module (modprobe tun)", name);
        if (e == EACCES || e == EPERM) {
            return error(
                "TAP '{}' needs CAP_NET_ADMIN and read-write access to /dev/net/tun: run svm as "
                "root, or create the interface first with `sudo ip tuntap add dev {} mode tap "
                "user $USER`",
                name, name);
        }
        return error("cannot open /dev/net/tun for TAP '{}': {}", name, std::strerror(e));
    }
    struct ifreq ifr {};
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        ::close(fd);
        if (e == EPERM || e == EACCES) {
            return error(
                "TAP '{}' needs CAP_NET_ADMIN: run svm as root, or create the interface first "
                "with `sudo ip tuntap add dev {} mode tap user $USER`",
                name, name);
        }
        if (e == EINVAL || e == EBUSY) {
            return error("cannot attach to '{}': it exists and is not a free TAP interface ({})",
                         name, std::strerror(e));
        }
        return error("cannot open TAP '{}': TUNSETIFF: {}", name, std::strerror(e));
    }
    int header_size = sizeof(VirtioNetHdr);
    if (::ioctl(fd, TUNSETVNETHDRSZ, &header_size) < 0) {
        int e = errno;
        ::close(fd);
        return error("TAP '{}': TUNSETVNETHDRSZ 12: {}", name, std::strerror(e));
    }
    int stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd < 0) {
        int e = errno;
        ::close(fd);
        return error("TAP '{}': eventfd: {}", name, std::strerror(e));
    }
    return std::unique_ptr<TapBackend>(new TapBackend(fd, stop_fd, ifr.ifr_name));
}

TapBackend::~TapBackend() {
    stop();
    ::close(stop_fd_);
    ::close(fd_);
}

Result<void> TapBackend::send(const VirtioNetHdr& header, std::span<const uint8_t> frame) {
    if (frame.size() > kMaxFrameBytes)
        return error("TAP '{}': a {}-byte frame is too long", name_, frame.size());
    // One writev(2) is one frame to the tun driver (tun_get_user), complete or not at all, so
    // concurrent senders need no lock of their own.
    iovec iov[2] = {{const_cast<VirtioNetHdr*>(&header), sizeof header},
                    {const_cast<uint8_t*>(frame.data()), frame.size()}};
    for (;;) {
        ssize_t n = ::writev(fd_, iov, 2);
        if (n >= 0) return {};
        if (errno == EINTR) continue;
        return error("TAP '{}': write: {}", name_, std::strerror(errno));
    }
}

Result<void> TapBackend::start(Receiver receiver) {
    if (thread_.joinable()) return error("TAP '{}': already receiving", name_);
    try {
        thread_ = std::thread([this, r = std::move(receiver)] { receive_loop(r); });
    } catch (const std::system_error& e) {
        return error("TAP '{}': cannot start the receive thread: {}", name_, e.what());
    }
    return {};
}

void TapBackend::stop() {
    if (!thread_.joinable()) return;
    uint64_t one = 1;
    ssize_t n = ::write(stop_fd_, &one, sizeof one);
    SVM_ASSERT(n == sizeof one);  // an eventfd below its maximum count always takes 1
    thread_.join();
    uint64_t count;
    n = ::read(stop_fd_, &count, sizeof count);  // re-arm, so start() can be called again
    (void)n;
}

void TapBackend::receive_loop(Receiver receiver) {
    std::vector<uint8_t> buffer(sizeof(VirtioNetHdr) + kMaxFrameBytes);
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    for (;;) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            log::error("TAP '{}': poll: {}; receiving stops", name_, std::strerror(errno));
            return;
        }
        if (fds[1].revents & POLLIN) return;
        if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
            log::error("TAP '{}': the interface went away; receiving stops", name_);
            return;
        }
        // Read every frame that is ready: each read(2) returns exactly one, header first.
        for (;;) {
            ssize_t n = ::read(fd_, buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            if (n < static_cast<ssize_t>(sizeof(VirtioNetHdr))) {
                read_errors_.fetch_add(1, std::memory_order_relaxed);
                if (n < 0) break;
                continue;
            }
            VirtioNetHdr header;
            std::memcpy(&header, buffer.data(), sizeof header);
            receiver(header, std::span<const uint8_t>(buffer.data() + sizeof header,
                                                      static_cast<size_t>(n) - sizeof header));
        }
    }
}

}  // namespace svm::virtio
