// A blocking test client for the Server (plain sockets: the test is the other side), and the
// measurements the hostile-client tests make of their own process.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gdbstub/endpoint.h"
#include "gdbstub/protocol/packet_encoder.h"
#include "session_harness.h"

namespace svm::gdb::testing {

class Client {
public:
    // Connects to a Server::address() ("127.0.0.1:N" or a Unix socket path). `receive_buffer`,
    // if not 0, shrinks SO_RCVBUF before connecting, so that a client that does not read fills
    // up quickly instead of letting the kernel buffer megabytes of replies.
    explicit Client(std::string address, int receive_buffer = 0) {
        if (address.starts_with("unix:")) address.erase(0, 5);
        if (address.starts_with("/")) {
            fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un addr{};
            addr.sun_family = AF_UNIX;
            std::strncpy(addr.sun_path, address.c_str(), sizeof addr.sun_path - 1);
            set_receive_buffer(receive_buffer);
            connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        } else {
            auto endpoint = parse_endpoint(address);
            fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(endpoint ? endpoint->port : 0);
            addr.sin_addr.s_addr = htonl(0x7f000001);
            set_receive_buffer(receive_buffer);
            connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        }
        set_timeout(std::chrono::seconds(10));  // a hung server fails the test, not hangs it
    }
    ~Client() { close(); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    bool connected() const { return connected_; }
    void set_timeout(std::chrono::milliseconds timeout) {
        timeval tv{static_cast<time_t>(timeout.count() / 1000),
                   static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    // Sends everything (or until the send timeout). Returns the number of bytes sent.
    size_t send_raw(std::string_view bytes) {
        size_t sent = 0;
        while (sent < bytes.size()) {
            ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) break;
            sent += size_t(n);
        }
        return sent;
    }
    // Sends a packet and returns the next reply payload ("<eof>" if the server closed).
    std::string request(std::string_view payload) {
        send_raw(protocol::frame_packet(payload));
        return next_packet();
    }
    std::string next_packet() {
        for (;;) {
            auto packets = packets_in(pending_);
            if (!packets.empty()) {
                size_t end = pending_.find('#');
                pending_.erase(0, end + 3);
                return packets[0];
            }
            char buf[65536];
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) return "<eof>";
            pending_.append(buf, size_t(n));
            // Drop acks before the first '$'.
            size_t start = pending_.find('$');
            pending_.erase(0, start == std::string::npos ? pending_.size() : start);
        }
    }
    // Reads and discards until the server closes the connection. Returns false on a timeout.
    bool wait_for_eof() {
        char buf[65536];
        for (;;) {
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n == 0) return true;
            if (n < 0) return errno == ECONNRESET;
        }
    }
    int fd() const { return fd_; }

private:
    void set_receive_buffer(int bytes) {
        if (bytes > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    }

    int fd_ = -1;
    bool connected_ = false;
    std::string pending_;
};

// Resident memory of this process (the server runs in it), from /proc/self/statm.
inline size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    size_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * size_t(::sysconf(_SC_PAGESIZE));
}

// CPU time this process has used (every thread), in seconds.
inline double process_cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

// The largest growth of resident memory over `baseline` seen while sampling for `duration`.
inline size_t peak_growth(size_t baseline, std::chrono::milliseconds duration) {
    size_t peak = 0;
    auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
        size_t now = resident_bytes();
        if (now > baseline) peak = std::max(peak, now - baseline);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return peak;
}

// A thread-safe log sink for ServerOptions::session.log.
class LogLines {
public:
    std::function<void(std::string_view)> sink() {
        return [this](std::string_view line) {
            std::lock_guard lock(mutex_);
            lines_.emplace_back(line);
        };
    }
    // How many lines contain `text`.
    size_t count(std::string_view text) const {
        std::lock_guard lock(mutex_);
        size_t n = 0;
        for (auto& line : lines_) n += line.find(text) != std::string::npos;
        return n;
    }
    std::string all() const {
        std::lock_guard lock(mutex_);
        std::string text;
        for (size_t i = 0; i < lines_.size() && i < 50; ++i) text += lines_[i] + "\n";
        return text;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

}  // namespace svm::gdb::testing
