// Connection: async reads feed the Session, replies go out through a bounded write queue (one
// write at a time, so stop replies from notify_stop and packet replies never interleave).
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include "gdbstub/server_impl.h"

namespace svm::gdb {

Connection::Connection(Server::Impl& server, Protocol::socket socket)
    : server_(server),
      socket_(std::move(socket)),
      session_(server.target, server.options.session, [this] { return server_.grant(*this); }),
      handshake_timer_(server.io),
      drain_timer_(server.io) {}

void Connection::start() {
    handshake_timer_.expires_after(server_.options.handshake_timeout);
    handshake_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        self->on_handshake_timeout(ec);
    });
    read();
}

void Connection::read() {
    reading_ = true;
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                                self->reading_ = false;
                                if (!self->open_) return;
                                if (ec) {
                                    self->close(true);
                                    return;
                                }
                                self->input_.append(self->buffer_.data(), n);
                                self->handle_input();
                            });
}

void Connection::handle_input() {
    const size_t limit = server_.options.max_queued_output;
    while (open_ && !close_after_writes_ && !input_.empty() && queued_ < limit) {
        std::string out;
        input_.erase(0, session_.on_bytes(input_, out, limit - queued_));
        if (session_.attached() && !reported_attach_) {
            reported_attach_ = true;
            handshake_timer_.cancel();
            server_.client_attached();
        }
        if (!out.empty()) write(std::move(out));
        if (session_.closed()) {
            // D, k, vKill or a refused handshake: close once the reply is out.
            input_.clear();
            close_after_writes_ = true;
            if (!writing_) close(false);
            return;
        }
    }
    // A full queue stops reading: the client's requests wait in its socket, not in svm.
    if (open_ && !close_after_writes_ && input_.empty() && queued_ < limit && !reading_) read();
}

bool Connection::finish_if_hung_up() {
    if (!open_) return true;
    pollfd p{socket_.native_handle(), POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0 || !(p.revents & (POLLRDHUP | POLLHUP | POLLERR))) return false;
    // Handle all it sent before closing (a D or a c among it counts); replies past the queue
    // limit are dropped, as nobody may read them.
    const size_t limit = server_.options.max_queued_output;
    for (;;) {
        while (open_ && !input_.empty() && !session_.closed()) {
            std::string out;
            input_.erase(0, session_.on_bytes(input_, out, limit));
            if (queued_ < limit && !out.empty()) write(std::move(out));
        }
        if (!open_ || session_.closed()) break;
        ssize_t n = ::recv(socket_.native_handle(), buffer_.data(), buffer_.size(), MSG_DONTWAIT);
        if (n <= 0) break;
        input_.assign(buffer_.data(), size_t(n));
    }
    close(true);
    return true;
}

void Connection::write(std::string bytes, std::function<void()> after) {
    if (!open_) {
        if (after) after();
        return;
    }
    if (writes_.empty()) {
        // The drain clock starts when the queue stops being empty.
        progress_ = Clock::now();
        drain_timer_.expires_after(server_.options.drain_timeout);
        drain_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            self->on_drain_timeout(ec);
        });
    }
    queued_ += bytes.size();
    writes_.emplace_back(std::move(bytes), std::move(after));
    if (!writing_) write_next();
}

void Connection::write_next() {
    writing_ = true;
    const std::string& front = writes_.front().first;
    socket_.async_write_some(
        asio::buffer(front.data() + front_written_, front.size() - front_written_),
        [self = shared_from_this()](boost::system::error_code ec, size_t n) {
            self->writing_ = false;
            if (!self->open_) return;  // close() ran the callbacks already
            if (ec) {
                self->close(true);
                return;
            }
            self->progress_ = Clock::now();
            self->queued_ -= n;
            self->front_written_ += n;
            if (self->front_written_ == self->writes_.front().first.size()) {
                self->front_written_ = 0;
                auto after = std::move(self->writes_.front().second);
                self->writes_.pop_front();
                if (after) after();
                if (!self->open_) return;
            }
            if (!self->writes_.empty()) {
                self->write_next();
            } else {
                self->drain_timer_.cancel();
                if (self->close_after_writes_) {
                    self->close(false);
                    return;
                }
            }
            self->handle_input();  // the queue has room again
        });
}

void Connection::on_handshake_timeout(boost::system::error_code ec) {
    if (ec || !handshaking()) return;
    server_.log(fmt::format("closed a connection that sent no gdb packet within {} ms",
                            server_.options.handshake_timeout.count()));
    close(false);
}

void Connection::on_drain_timeout(boost::system::error_code ec) {
    if (ec || !open_ || writes_.empty()) return;
    const auto deadline = progress_ + server_.options.drain_timeout;
    if (Clock::now() < deadline) {
        // The socket took bytes since the timer was set: wait for the rest of the new period.
        drain_timer_.expires_at(deadline);
        drain_timer_.async_wait([self = shared_from_this()](boost::system::error_code e) {
            self->on_drain_timeout(e);
        });
        return;
    }
    server_.log(
        fmt::format("dropped a client that did not read its replies for {} ms ({} "
                    "bytes waiting)",
                    server_.options.drain_timeout.count(), queued_));
    close(true);
}

void Connection::close(bool detach) {
    if (!open_) return;
    open_ = false;
    handshake_timer_.cancel();
    drain_timer_.cancel();
    boost::system::error_code ignored;
    socket_.shutdown(Protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (detach) session_.on_disconnect();
    server_.client_gone(this);
    input_.clear();
    auto pending = std::move(writes_);
    writes_.clear();
    queued_ = 0;
    for (auto& [bytes, after] : pending) {
        if (after) after();
    }
}

void Connection::shutdown() {
    if (!open_) return;
    open_ = false;
    handshake_timer_.cancel();
    drain_timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
    input_.clear();
    writes_.clear();
    queued_ = 0;
}

}  // namespace svm::gdb
