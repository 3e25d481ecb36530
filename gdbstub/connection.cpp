// Connection: async reads feed the Session, replies go out through a write queue (one
// async_write at a time, so stop replies from notify_stop and packet replies never interleave).
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include "gdbstub/protocol/packet_encoder.h"
#include "gdbstub/server_impl.h"

namespace svm::gdb {

namespace {
constexpr std::string_view kBusy = "E.another debugger is already attached to this svm";
}

Connection::Connection(Server::Impl& server, Protocol::socket socket, bool active)
    : server_(server),
      socket_(std::move(socket)),
      reject_decoder_(server.options.session.packet_size) {
    if (active) session_ = std::make_unique<Session>(server.target, server.options.session);
}

void Connection::start() {
    if (session_) {
        session_->attach();
        server_.client_attached();
    }
    read();
}

void Connection::read() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                                if (!self->open_) return;
                                if (ec) {
                                    self->close(true);
                                    return;
                                }
                                self->on_data({self->buffer_.data(), n});
                                if (self->open_ && !self->close_after_writes_) self->read();
                            });
}

void Connection::on_data(std::string_view bytes) {
    if (session_) {
        std::string reply = session_->on_bytes(bytes);
        if (!reply.empty()) write(std::move(reply));
        if (session_->closed()) {
            close_after_writes_ = true;
            if (!writing_) close(false);
        }
        return;
    }
    std::vector<protocol::DecoderEvent> events;
    if (early_bytes_.size() < server_.options.session.packet_size * 2) early_bytes_ += bytes;
    reject_decoder_.feed(bytes, events);
    for (auto& event : events) {
        if (event.kind != protocol::DecoderEvent::Kind::Packet) continue;
        if (server_.slot_free()) {
            become_active();
            return;
        }
        server_.log("refused a second debugger: one is already attached");
        write("+" + protocol::frame_packet(kBusy));
        close_after_writes_ = true;
        return;
    }
}

void Connection::become_active() {
    server_.active = shared_from_this();
    session_ = std::make_unique<Session>(server_.target, server_.options.session);
    server_.log("debugger connected");
    session_->attach();
    server_.client_attached();
    std::string bytes = std::move(early_bytes_);
    on_data(bytes);
}

bool Connection::finish_if_hung_up() {
    if (!open_) return true;
    pollfd p{socket_.native_handle(), POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0 || !(p.revents & (POLLRDHUP | POLLHUP | POLLERR))) return false;
    for (;;) {
        ssize_t n = ::recv(socket_.native_handle(), buffer_.data(), buffer_.size(), MSG_DONTWAIT);
        if (n <= 0) break;
        on_data({buffer_.data(), size_t(n)});
        if (!open_) return true;
    }
    close(true);
    return true;
}

void Connection::write(std::string bytes, std::function<void()> after) {
    if (!open_) {
        if (after) after();
        return;
    }
    writes_.emplace_back(std::move(bytes), std::move(after));
    if (!writing_) write_next();
}

void Connection::write_next() {
    writing_ = true;
    asio::async_write(socket_, asio::buffer(writes_.front().first),
                      [self = shared_from_this()](boost::system::error_code ec, size_t) {
                          self->writing_ = false;
                          if (!self->open_) return;  // close() ran the callbacks already
                          auto after = std::move(self->writes_.front().second);
                          self->writes_.pop_front();
                          if (after) after();
                          if (ec) {
                              self->close(true);
                          } else if (!self->writes_.empty()) {
                              self->write_next();
                          } else if (self->close_after_writes_) {
                              self->close(false);
                          }
                      });
}

void Connection::close(bool detach) {
    if (!open_) return;
    open_ = false;
    boost::system::error_code ignored;
    socket_.shutdown(Protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (session_) {
        if (detach) session_->on_disconnect();
        server_.client_gone(this);
    }
    auto pending = std::move(writes_);
    writes_.clear();
    for (auto& [bytes, after] : pending) {
        if (after) after();
    }
}

void Connection::shutdown() {
    if (!open_) return;
    open_ = false;
    boost::system::error_code ignored;
    socket_.close(ignored);
    writes_.clear();
}

}  // namespace svm::gdb
