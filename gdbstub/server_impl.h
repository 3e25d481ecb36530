// Internal to server.cpp and connection.cpp: the Asio objects behind Server. Everything here
// runs on the server thread except what Server's thread-safe methods touch under `mutex`.
#pragma once

// Boost 1.74's Asio needs <utility> first with GCC 12 in C++20/23 mode (std::exchange).
// clang-format off
#include <utility>
#include <boost/asio.hpp>
// clang-format on

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "gdbstub/server.h"
#include "gdbstub/unix_socket.h"

namespace svm::gdb {

namespace asio = boost::asio;
using Protocol = asio::generic::stream_protocol;
using Clock = std::chrono::steady_clock;

// One accepted socket and its Session. It is a debugger only from its handshake on (session.h),
// which asks the server whether the one debugger slot is free.
//
// Bounds (gdbstub/limits.h): while `queued_` is at max_queued_output, no more requests are read
// or handled (`input_` keeps the unhandled rest of the last read, at most one buffer); a queue
// whose socket takes no byte for drain_timeout drops the client; a connection without a
// handshake after handshake_timeout is closed.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(Server::Impl& server, Protocol::socket socket);

    // Starts reading and the handshake timer.
    void start();
    // Queues `bytes`; `after` runs once they are written (or the connection is gone).
    void write(std::string bytes, std::function<void()> after = {});
    // Closes the socket without detaching and without running pending callbacks (server
    // shutdown).
    void shutdown();
    Session& session() { return session_; }
    bool open() const { return open_; }
    // Open and not yet past its handshake.
    bool handshaking() const { return open_ && !session_.attached() && !session_.closed(); }
    // Returns true if the peer has closed its end (poll POLLRDHUP, which Linux reports even
    // with unread data). Then handles what it sent before closing and closes: a client that
    // disconnects and a new one that connects at once must not race.
    bool finish_if_hung_up();

private:
    void read();
    // Hands `input_` to the session while the output queue has room; reads more once it is all
    // handled.
    void handle_input();
    void write_next();
    void on_handshake_timeout(boost::system::error_code ec);
    void on_drain_timeout(boost::system::error_code ec);
    // The peer went away, the session ended or a limit was hit: detaches if needed, runs
    // pending callbacks.
    void close(bool detach);

    Server::Impl& server_;
    Protocol::socket socket_;
    Session session_;
    asio::steady_timer handshake_timer_;
    asio::steady_timer drain_timer_;
    std::array<char, 16384> buffer_{};
    std::string input_;  // read but not handled yet (the output queue was full)
    std::deque<std::pair<std::string, std::function<void()>>> writes_;
    size_t queued_ = 0;           // bytes in writes_ not yet taken by the socket
    size_t front_written_ = 0;    // of writes_.front()
    Clock::time_point progress_;  // when the socket last took a byte (or the queue filled)
    bool reading_ = false;
    bool writing_ = false;
    bool reported_attach_ = false;
    bool close_after_writes_ = false;
    bool open_ = true;
};

struct Server::Impl {
    Impl(DebugTarget& target, ServerOptions options);

    void accept();
    void on_accept(boost::system::error_code ec, Protocol::socket socket);
    void log(std::string_view message);
    // A connection's handshake: returns true (and makes it the active one) if no other client
    // is attached, finishing one that hung up first.
    bool grant(Connection& connection);
    // The active connection ended (on the server thread).
    void client_gone(Connection* connection);
    // Returns true if no other client is attached (finishing one that hung up first).
    bool slot_free();
    void client_attached();
    void close_all();

    // Declared first, destroyed last: sockets and pending handlers need it.
    asio::io_context io;
    asio::basic_socket_acceptor<Protocol> acceptor{io};
    asio::steady_timer accept_retry{io};
    DebugTarget& target;
    ServerOptions options;
    Endpoint endpoint;
    std::string address;
    std::optional<UnixListener> unix_listener;  // Kind::Unix: to remove only our own file
    std::thread thread;

    // Server thread only.
    std::shared_ptr<Connection> active;
    std::vector<std::weak_ptr<Connection>> connections;
    boost::system::error_code accept_error;  // the failure being retried, logged once
    bool refusing = false;                   // over max_handshaking, logged once

    // Lock order: `mutex` is a leaf; no callback runs while it is held.
    mutable std::mutex mutex;
    std::condition_variable client_changed;
    bool has_client = false;
    bool stopped = false;
};

}  // namespace svm::gdb
