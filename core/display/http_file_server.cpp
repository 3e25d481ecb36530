#include "core/display/http_file_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <string_view>

#include "core/log.h"

namespace svm {
namespace {

constexpr size_t kMaxRequestHead = 8192;
constexpr size_t kMaxConnections = 32;

// The Content-Type for a file name (module scripts must be served as JavaScript, HTML Living
// Standard "fetch a single module script"; the others let the browser skip sniffing).
std::string_view content_type(std::string_view path) {
    const size_t dot = path.rfind('.');
    const std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot + 1);
    if (ext == "html") return "text/html; charset=utf-8";
    if (ext == "js") return "text/javascript; charset=utf-8";
    if (ext == "css") return "text/css";
    if (ext == "svg") return "image/svg+xml";
    if (ext == "png") return "image/png";
    if (ext == "ico") return "image/x-icon";
    if (ext == "json") return "application/json";
    if (ext == "woff") return "font/woff";
    if (ext == "woff2") return "font/woff2";
    if (ext == "oga" || ext == "ogg") return "audio/ogg";
    if (ext == "mp3") return "audio/mpeg";
    return "application/octet-stream";
}

std::string status_answer(int code, std::string_view reason) {
    return fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: "
        "close\r\n\r\n{}\n",
        code, reason, reason.size() + 1, reason);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Result<std::unique_ptr<HttpFileServer>> HttpFileServer::create(std::string root, int listen_fd) {
    struct stat st {};
    if (stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        close(listen_fd);
        return error("web view: {} is not a directory", root);
    }
    return std::unique_ptr<HttpFileServer>(new HttpFileServer(std::move(root), listen_fd));
}

HttpFileServer::~HttpFileServer() {
    for (auto& c : connections_) close(c.fd);
    close(listen_fd_);
}

std::string HttpFileServer::path_for_target(const std::string& target) {
    std::string path;
    for (size_t i = 0; i < target.size() && target[i] != '?' && target[i] != '#'; ++i) {
        char c = target[i];
        if (c == '%') {
            if (i + 2 >= target.size()) return "";
            const int hi = hex_value(target[i + 1]), lo = hex_value(target[i + 2]);
            if (hi < 0 || lo < 0) return "";
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0' || c == '\\') return "";
        path.push_back(c);
    }
    if (path.empty() || path[0] != '/') return "";
    if (path == "/") return "/vnc.html";
    // No ".." segment anywhere (checked after decoding, so %2e%2e is caught too).
    std::string_view rest(path);
    while (!rest.empty()) {
        rest.remove_prefix(1);  // the '/'
        const size_t slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        if (segment == "..") return "";
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash);
    }
    return path;
}

void HttpFileServer::add_poll_fds(std::vector<pollfd>& fds) const {
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const auto& c : connections_)
        fds.push_back({c.fd, static_cast<short>(c.answering ? POLLOUT : POLLIN), 0});
}

void HttpFileServer::handle(const std::vector<pollfd>& fds) {
    auto ready = [&](int fd) {
        for (const auto& p : fds)
            if (p.fd == fd) return p.revents != 0;
        return false;
    };
    std::erase_if(connections_, [&](Connection& c) {
        if (!ready(c.fd)) return false;
        const bool keep = c.answering ? write_answer(c) : read_request(c);
        if (!keep) close(c.fd);
        return !keep;
    });
    if (ready(listen_fd_)) accept_connections();
}

void HttpFileServer::accept_connections() {
    for (;;) {
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return;
        }
        if (connections_.size() >= kMaxConnections) {  // a browser opens about six
            close(fd);
            continue;
        }
        connections_.push_back(Connection{fd, {}, {}, 0, false});
    }
}

bool HttpFileServer::read_request(Connection& c) {
    char buf[2048];
    for (;;) {
        const ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
        if (n == 0) return false;
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        c.request.append(buf, static_cast<size_t>(n));
        const size_t end = c.request.find("\r\n\r\n");
        if (end != std::string::npos || c.request.size() > kMaxRequestHead) {
            c.answer = end == std::string::npos
                           ? status_answer(431, "Request Header Fields Too Large")
                           : answer_for(c.request.substr(0, end));
            c.answering = true;
            return write_answer(c);
        }
    }
}

bool HttpFileServer::write_answer(Connection& c) {
    while (c.sent < c.answer.size()) {
        const ssize_t n =
            send(c.fd, c.answer.data() + c.sent, c.answer.size() - c.sent, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        c.sent += static_cast<size_t>(n);
    }
    shutdown(c.fd, SHUT_WR);
    return false;
}

std::string HttpFileServer::answer_for(const std::string& head) const {
    // Request line: METHOD SP TARGET SP HTTP-VERSION (RFC 9112 section 3).
    const std::string line = head.substr(0, head.find("\r\n"));
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
    if (sp2 == std::string::npos) return status_answer(400, "Bad Request");
    const std::string method = line.substr(0, sp1);
    const std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (method != "GET" && method != "HEAD") return status_answer(405, "Method Not Allowed");
    const std::string path = path_for_target(target);
    if (path.empty()) return status_answer(404, "Not Found");
    const std::string file = root_ + path;
    const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        log::debug("vnc web: {} {} -> 404", method, target);
        return status_answer(404, "Not Found");
    }
    std::string body(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    while (got < body.size()) {
        const ssize_t n = read(fd, body.data() + got, body.size() - got);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    close(fd);
    body.resize(got);
    log::debug("vnc web: {} {} -> 200 ({} bytes)", method, target, body.size());
    std::string answer = fmt::format(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: "
        "no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        content_type(path), body.size());
    if (method == "GET") answer += body;
    return answer;
}

}  // namespace svm
