// A small static-file HTTP/1.1 server for the VNC web view: serves one directory (noVNC) to
// browsers, nothing else of the host. libvncserver 0.9.14's own httpd keeps a single connection
// and drops it when the next one arrives, so a browser loading noVNC's ES modules in parallel
// never gets them all; this one serves any number of connections, non-blocking, from the VNC
// server's poll loop. Requests (RFC 9112): GET and HEAD only, one request per connection
// ("Connection: close"), request head up to 8 KiB.
#pragma once

#include <poll.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace svm {

class HttpFileServer {
public:
    // Serves files below `root` on the listening socket `listen_fd` (non-blocking; taken over and
    // closed by the server). Returns an error if `root` is not a directory.
    static Result<std::unique_ptr<HttpFileServer>> create(std::string root, int listen_fd);
    ~HttpFileServer();
    HttpFileServer(const HttpFileServer&) = delete;
    HttpFileServer& operator=(const HttpFileServer&) = delete;

    // Appends the descriptors to poll: the listening socket, then each connection (for reading
    // its request or writing its answer).
    void add_poll_fds(std::vector<pollfd>& fds) const;
    // Handles what poll() reported for the descriptors add_poll_fds() appended (`fds` holds them
    // among others; matched by fd). Never blocks.
    void handle(const std::vector<pollfd>& fds);

    // Maps a request target ("/app/ui.js?x=1") to a path below the root, or "" when it must not
    // be served: it does not start with '/', has a ".." segment, a NUL or a bad %-escape.
    // "/" is "/vnc.html". Exposed for tests.
    static std::string path_for_target(const std::string& target);

private:
    struct Connection {
        int fd = -1;
        std::string request;
        std::string answer;
        size_t sent = 0;
        bool answering = false;
    };

    HttpFileServer(std::string root, int listen_fd)
        : root_(std::move(root)), listen_fd_(listen_fd) {}
    void accept_connections();
    // Reads from `c`; returns false when the connection is finished (closed).
    bool read_request(Connection& c);
    bool write_answer(Connection& c);
    std::string answer_for(const std::string& request_head) const;

    std::string root_;
    int listen_fd_;
    std::vector<Connection> connections_;
};

}  // namespace svm
