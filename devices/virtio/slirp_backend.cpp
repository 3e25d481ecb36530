#include "devices/virtio/slirp_backend.h"

#include <arpa/inet.h>
#include <libslirp.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>

#include "core/log.h"

namespace svm::virtio {

// libslirp 4.7 (Debian 12) speaks SlirpConfig up to version 4; svm uses nothing later.
static_assert(SLIRP_CONFIG_VERSION_MAX >= 4, "svm needs libslirp 4.7 or later");

namespace {

constexpr uint8_t kNeedsCsum = 1;            // VIRTIO_NET_HDR_F_NEEDS_CSUM (5.1.6)
constexpr unsigned kGuestErrorsLogged = 10;  // then slirp's guest errors go unreported

in_addr ipv4(uint32_t host_order) {
    return in_addr{htonl(host_order)};
}

in6_addr ipv6(const char* text) {
    in6_addr address{};
    int ok = ::inet_pton(AF_INET6, text, &address);
    SVM_ASSERT(ok == 1);
    return address;
}

int64_t monotonic_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// Completes a checksum the guest left to the device (virtio 1.2, 5.1.6.2): the ones' complement
// of the ones' complement sum (RFC 1071) of the bytes from csum_start to the end of the frame,
// whose checksum field at csum_start + csum_offset already holds the pseudo-header's partial sum,
// stored there. Returns false if the field lies outside the frame.
bool complete_checksum(std::span<uint8_t> frame, uint16_t csum_start, uint16_t csum_offset) {
    size_t field = size_t{csum_start} + csum_offset;
    if (csum_start >= frame.size() || field + 2 > frame.size()) return false;
    uint32_t sum = 0;
    for (size_t i = csum_start; i < frame.size(); i += 2) {
        sum += uint32_t{frame[i]} << 8;
        if (i + 1 < frame.size()) sum += frame[i + 1];
    }
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    uint16_t checksum = static_cast<uint16_t>(~sum);
    frame[field] = static_cast<uint8_t>(checksum >> 8);
    frame[field + 1] = static_cast<uint8_t>(checksum);
    return true;
}

}  // namespace

Result<std::unique_ptr<SlirpBackend>> SlirpBackend::create(std::span<const SlirpForward> forwards) {
    int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd < 0) return error("user network: eventfd: {}", std::strerror(errno));
    std::unique_ptr<SlirpBackend> backend(new SlirpBackend(wake_fd));

    // QEMU's defaults for `-netdev user` (net/slirp.c net_slirp_init), IPv4 and IPv6.
    SlirpConfig config{};
    config.version = 4;
    config.restricted = 0;
    config.in_enabled = true;
    config.vnetwork = ipv4(kUserNetNetwork);
    config.vnetmask = ipv4(kUserNetNetmask);
    config.vhost = ipv4(kUserNetHost);
    config.in6_enabled = true;
    config.vprefix_addr6 = ipv6("fec0::");
    config.vprefix_len = 64;
    config.vhost6 = ipv6("fec0::2");
    config.vdhcp_start = ipv4(kUserNetDhcpStart);
    config.vnameserver = ipv4(kUserNetNameserver);
    config.vnameserver6 = ipv6("fec0::3");

    static const SlirpCb callbacks = {
        .send_packet = send_packet,
        .guest_error = guest_error,
        .clock_get_ns = clock_get_ns,
        .timer_new = timer_new,
        .timer_free = timer_free,
        .timer_mod = timer_mod,
        .register_poll_fd = register_poll_fd,
        .unregister_poll_fd = unregister_poll_fd,
        .notify = notify,
        .init_completed = nullptr,
        .timer_new_opaque = nullptr,  // slirp then uses timer_new
    };
    backend->slirp_ = slirp_new(&config, &callbacks, backend.get());
    if (backend->slirp_ == nullptr) return error("user network: libslirp cannot start");

    for (const SlirpForward& f : forwards) {
        const char* protocol = f.udp ? "udp" : "tcp";
        in_addr host{}, guest{ipv4(kUserNetDhcpStart)};
        if (::inet_pton(AF_INET, f.host_address.c_str(), &host) != 1)
            return error("user network: forward {}:{}: '{}' is not an IPv4 address", protocol,
                         f.host_port, f.host_address);
        if (!f.guest_address.empty() && ::inet_pton(AF_INET, f.guest_address.c_str(), &guest) != 1)
            return error("user network: forward {}:{}: '{}' is not an IPv4 address", protocol,
                         f.host_port, f.guest_address);
        if (f.host_port == 0 || f.guest_port == 0)
            return error("user network: forward {}:{}: ports must be 1 to 65535", protocol,
                         f.host_port);
        errno = 0;
        if (slirp_add_hostfwd(backend->slirp_, f.udp, host, f.host_port, guest, f.guest_port) < 0) {
            // tcp_listen()/udp_listen() keep bind(2)'s errno.
            int e = errno;
            const char* fix = e == EADDRINUSE ? "; pick another host port in hostfwd="
                              : e == EACCES   ? "; ports below 1024 need root or "
                                                "CAP_NET_BIND_SERVICE, pick a higher host port"
                              : e == EADDRNOTAVAIL
                                  ? "; no host interface has that address, leave it out for "
                                    "127.0.0.1"
                                  : "";
            return error("user network: cannot forward {} {}:{} to the guest's port {}: {}{}",
                         protocol, f.host_address, f.host_port, f.guest_port,
                         e != 0 ? std::strerror(e) : "libslirp refused it", fix);
        }
    }
    return backend;
}

SlirpBackend::~SlirpBackend() {
    stop();
    if (slirp_ != nullptr) slirp_cleanup(slirp_);  // closes the forwards' and guests' sockets
    ::close(wake_fd_);
}

Result<void> SlirpBackend::send(const VirtioNetHdr& header, std::span<const uint8_t> frame) {
    if (frame.size() > kMaxFrameBytes) {
        dropped_frames_.fetch_add(1, std::memory_order_relaxed);
        return error("user network: a {}-byte frame is too long; dropped", frame.size());
    }
    std::vector<uint8_t> copy(frame.begin(), frame.end());
    if ((header.flags & kNeedsCsum) &&
        !complete_checksum(copy, header.csum_start, header.csum_offset)) {
        dropped_frames_.fetch_add(1, std::memory_order_relaxed);
        return error("user network: NEEDS_CSUM at {}+{} lies outside the {}-byte frame; dropped",
                     header.csum_start, header.csum_offset, frame.size());
    }
    {
        std::lock_guard lock(queue_mutex_);
        if (queue_.size() >= kQueueFrames) {
            dropped_frames_.fetch_add(1, std::memory_order_relaxed);
            return error("user network: {} frames wait for slirp; dropped", queue_.size());
        }
        queue_.push_back(std::move(copy));
    }
    wake();
    return {};
}

Result<void> SlirpBackend::start(Receiver receiver) {
    if (thread_.joinable()) return error("user network: already started");
    receiver_ = std::move(receiver);
    try {
        thread_ = std::thread([this] { run(); });
    } catch (const std::system_error& e) {
        return error("user network: cannot start its thread: {}", e.what());
    }
    return {};
}

void SlirpBackend::stop() {
    if (!thread_.joinable()) return;
    stopping_.store(true, std::memory_order_relaxed);
    wake();
    thread_.join();
    stopping_.store(false, std::memory_order_relaxed);
}

void SlirpBackend::wake() {
    // An eventfd only fails to take 1 at a count of 2^64 - 2: the thread is awake anyway.
    uint64_t one = 1;
    ssize_t n = ::write(wake_fd_, &one, sizeof one);
    (void)n;
}

void SlirpBackend::run() {
    std::deque<std::vector<uint8_t>> frames;
    bool had_input = false;
    while (!stopping_.load(std::memory_order_relaxed)) {
        // Slirp lists the sockets to watch and caps the timeout for its TCP timers (at 1 s even
        // when idle: libslirp's slirp_update_timeout); svm's timers may shorten it further.
        poll_fds_.clear();
        poll_fds_.push_back({wake_fd_, POLLIN, 0});
        uint32_t timeout_ms = UINT32_MAX;
        slirp_pollfds_fill(slirp_, &timeout_ms, add_poll, this);
        int wait_ms = timeout_ms == UINT32_MAX
                          ? -1
                          : static_cast<int>(std::min<uint32_t>(timeout_ms, INT_MAX));
        if (int64_t deadline = next_timer_deadline_ms(); deadline != INT64_MAX) {
            int64_t until = std::clamp<int64_t>(deadline - monotonic_ns() / 1'000'000, 0, INT_MAX);
            if (wait_ms < 0 || until < wait_ms) wait_ms = static_cast<int>(until);
        }
        // Output that slirp_input() held back waits for slirp_pollfds_poll() (its if_start()):
        // a reply delayed until slirp learnt the guest's MAC from an ARP reply, say. Run one
        // pass without sleeping after input, not up to a second later.
        if (had_input) wait_ms = 0;
        int ready = ::poll(poll_fds_.data(), poll_fds_.size(), wait_ms);
        if (ready < 0 && errno != EINTR) {
            log::error("user network: poll: {}; the network stops", std::strerror(errno));
            return;
        }
        // Also after a timeout: slirp runs its TCP timers here.
        slirp_pollfds_poll(slirp_, ready < 0, get_revents, this);

        if (ready > 0 && (poll_fds_[0].revents & POLLIN)) {
            uint64_t count;
            ssize_t n = ::read(wake_fd_, &count, sizeof count);  // re-arm
            (void)n;
        }
        {
            std::lock_guard lock(queue_mutex_);
            frames.swap(queue_);
        }
        for (const auto& frame : frames)
            slirp_input(slirp_, frame.data(), static_cast<int>(frame.size()));
        had_input = !frames.empty();
        frames.clear();
        run_expired_timers();
    }
}

int64_t SlirpBackend::next_timer_deadline_ms() const {
    int64_t deadline = INT64_MAX;
    for (const auto& timer : timers_)
        if (timer->expire_ms) deadline = std::min(deadline, *timer->expire_ms);
    return deadline;
}

void SlirpBackend::run_expired_timers() {
    // One at a time, searching afresh: a callback may arm, free or create timers.
    for (;;) {
        int64_t now_ms = monotonic_ns() / 1'000'000;
        auto due = std::find_if(timers_.begin(), timers_.end(), [now_ms](const auto& timer) {
            return timer->expire_ms && *timer->expire_ms <= now_ms;
        });
        if (due == timers_.end()) return;
        Timer* timer = due->get();
        timer->expire_ms.reset();
        timer->callback(timer->callback_opaque);
    }
}

// ^SlirpCb, called by libslirp on the back-end thread (or in create() and the destructor).

ssize_t SlirpBackend::send_packet(const void* buffer, size_t length, void* opaque) {
    auto* self = static_cast<SlirpBackend*>(opaque);
    // A frame for the guest, complete with checksums: the header says nothing (5.1.6.4.1).
    if (self->receiver_)
        self->receiver_(VirtioNetHdr{}, {static_cast<const uint8_t*>(buffer), length});
    return static_cast<ssize_t>(length);
}

void SlirpBackend::guest_error(const char* message, void* opaque) {
    auto* self = static_cast<SlirpBackend*>(opaque);
    if (self->guest_errors_logged_ >= kGuestErrorsLogged) return;
    ++self->guest_errors_logged_;
    log::info("user network: the guest sent a bad packet: {}{}", message,
              self->guest_errors_logged_ == kGuestErrorsLogged ? " (no more such messages)" : "");
}

int64_t SlirpBackend::clock_get_ns(void*) {
    return monotonic_ns();
}

void* SlirpBackend::timer_new(void (*callback)(void*), void* callback_opaque, void* opaque) {
    auto* self = static_cast<SlirpBackend*>(opaque);
    self->timers_.push_back(std::make_unique<Timer>(Timer{callback, callback_opaque, {}}));
    return self->timers_.back().get();
}

void SlirpBackend::timer_free(void* timer, void* opaque) {
    auto* self = static_cast<SlirpBackend*>(opaque);
    std::erase_if(self->timers_, [timer](const auto& t) { return t.get() == timer; });
}

void SlirpBackend::timer_mod(void* timer, int64_t expire_ms, void*) {
    // Called only from within slirp, so on the back-end thread: the next poll() sees it.
    static_cast<Timer*>(timer)->expire_ms = expire_ms;
}

void SlirpBackend::register_poll_fd(int, void*) {
    // slirp_pollfds_fill() lists every socket on each iteration; nothing to keep.
}

void SlirpBackend::unregister_poll_fd(int, void*) {}

void SlirpBackend::notify(void* opaque) {
    // A socket can take more data: run slirp's loop again.
    static_cast<SlirpBackend*>(opaque)->wake();
}

int SlirpBackend::add_poll(int fd, int events, void* opaque) {
    auto* self = static_cast<SlirpBackend*>(opaque);
    short poll_events = 0;
    if (events & SLIRP_POLL_IN) poll_events |= POLLIN;
    if (events & SLIRP_POLL_OUT) poll_events |= POLLOUT;
    if (events & SLIRP_POLL_PRI) poll_events |= POLLPRI;
    self->poll_fds_.push_back({fd, poll_events, 0});
    return static_cast<int>(self->poll_fds_.size() - 1);
}

int SlirpBackend::get_revents(int index, void* opaque) {
    auto* self = static_cast<SlirpBackend*>(opaque);
    if (index < 0 || static_cast<size_t>(index) >= self->poll_fds_.size()) return 0;
    short revents = self->poll_fds_[static_cast<size_t>(index)].revents;
    int events = 0;
    if (revents & POLLIN) events |= SLIRP_POLL_IN;
    if (revents & POLLOUT) events |= SLIRP_POLL_OUT;
    if (revents & POLLPRI) events |= SLIRP_POLL_PRI;
    if (revents & POLLERR) events |= SLIRP_POLL_ERR;
    if (revents & POLLHUP) events |= SLIRP_POLL_HUP;
    return events;
}

}  // namespace svm::virtio
