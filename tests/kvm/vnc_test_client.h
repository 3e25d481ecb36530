// A VNC client for the kvm tests (libvncclient): connects to svm's --vnc server, sends keys and
// reads the pixels it received; plus the helpers those tests share (a free display number,
// waiting for a line of svm's output). Header-only (inline functions).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <rfb/rfbclient.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

#include "svm_process.h"

namespace svm::test {

// A free TCP port on 127.0.0.1 at or above 5900 (the VNC display is port - 5900).
inline int free_vnc_display() {
    for (int attempt = 0; attempt < 50; ++attempt) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
        getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
        close(s);
        int port = ntohs(a.sin_port);
        if (port > 5900) return port - 5900;
    }
    return -1;
}

// Reads svm's standard output until `line` appears (or the child ends / 60 s pass).
inline bool wait_for_line(SvmChild& child, const std::string& line, std::string& out) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) {
        if (has_line(out, line)) return true;
        std::string more = child.read_out(4096);
        if (more.empty()) return has_line(out, line);
        out += more;
    }
    return false;
}

struct VncClient {
    rfbClient* client = nullptr;
    ~VncClient() {
        if (client) rfbClientCleanup(client);
    }
    // Connects to 127.0.0.1:5900+display with 32-bit true colour and waits for a full picture.
    bool connect(int display) {
        client = rfbGetClient(8, 3, 4);
        client->serverHost = strdup("127.0.0.1");
        client->serverPort = 5900 + display;
        // XRGB8888 (libvncclient's default puts red in the low byte).
        client->format.redShift = 16;
        client->format.greenShift = 8;
        client->format.blueShift = 0;
        client->appData.enableJPEG = FALSE;  // lossless encodings: pixels are compared exactly
        if (!rfbInitClient(client, nullptr, nullptr)) {
            client = nullptr;  // rfbInitClient frees it on failure
            return false;
        }
        return SendFramebufferUpdateRequest(client, 0, 0, client->width, client->height, FALSE);
    }
    // Handles server messages for up to `seconds`.
    void pump(double seconds) {
        auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        while (std::chrono::steady_clock::now() < until) {
            int n = WaitForMessage(client, 100000);
            if (n < 0) return;
            if (n > 0 && !HandleRFBServerMessage(client)) return;
        }
    }
    uint32_t pixel(uint32_t x, uint32_t y) const {
        auto* p = reinterpret_cast<const uint32_t*>(client->frameBuffer);
        return p[y * uint32_t(client->width) + x] & 0xffffff;
    }
};

}  // namespace svm::test
