// A bare GDB Remote Serial Protocol client for the soak tests: enough of the GDB manual's
// "Overview" (packet framing, checksums, acknowledgments) and "Interrupts" (the 0x03 byte) to
// attach, stop, read and detach thousands of times, or to misbehave on purpose.
#pragma once

#include <optional>
#include <string>

namespace svm::test {

class RspClient {
public:
    // Connects to 127.0.0.1:`port`. Returns nothing if the connection is refused.
    static std::optional<RspClient> connect_tcp(int port);
    // connect_tcp(), retried for up to `timeout_s` while svm is still starting.
    static std::optional<RspClient> connect_tcp_retrying(int port, double timeout_s = 10);
    RspClient(RspClient&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    RspClient& operator=(RspClient&& other) noexcept;
    ~RspClient();

    // Sends `payload` as $payload#xx. Returns false if the connection is closed.
    bool send_packet(const std::string& payload);
    // Sends raw bytes (an interrupt 0x03, a '-' NAK, garbage).
    bool send_raw(const std::string& bytes);
    // Reads until a whole $...#xx packet arrived, acknowledges it with '+' and returns its
    // payload; skips '+' acks. Nothing if the connection closed or `timeout_s` passed.
    std::optional<std::string> read_packet(double timeout_s = 10);
    // send_packet, then read_packet.
    std::optional<std::string> request(const std::string& payload, double timeout_s = 10);
    // True once the peer has closed the connection (waits at most `timeout_s`).
    bool wait_closed(double timeout_s);

private:
    explicit RspClient(int fd) : fd_(fd) {}
    int fd_;
    std::string buffer_;
};

}  // namespace svm::test
