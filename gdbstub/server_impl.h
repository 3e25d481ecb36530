// Internal to server.cpp and connection.cpp: the Asio objects behind Server. Everything here
// runs on the server thread except what Server's thread-safe methods touch under `mutex`.
#pragma once

// Boost 1.74's Asio needs <utility> first with GCC 12 in C++20/23 mode (std::exchange).
// clang-format off
#include <utility>
#include <boost/asio.hpp>
// clang-format on

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "gdbstub/protocol/packet_decoder.h"
#include "gdbstub/server.h"

namespace svm::gdb {

namespace asio = boost::asio;
using Protocol = asio::generic::stream_protocol;

// One accepted socket. The active one owns a Session; a rejected one (another debugger is
// attached) only waits for its first packet to send the refusal.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(Server::Impl& server, Protocol::socket socket, bool active);

    // Starts reading (and, for the active connection, attaches the target).
    void start();
    // Queues `bytes`; `after` runs once they are written (or the connection is gone).
    void write(std::string bytes, std::function<void()> after = {});
    // Closes the socket without detaching (server shutdown).
    void shutdown();
    Session* session() { return session_.get(); }
    bool open() const { return open_; }
    // Returns true if the peer has closed its end (poll POLLRDHUP, which Linux reports even
    // with unread data). Then reads what it sent before closing, handles it and closes: a
    // client that disconnects and a new one that connects at once must not race.
    bool finish_if_hung_up();

private:
    void read();
    void on_data(std::string_view bytes);
    // A waiting connection becomes the active one (the previous client is gone).
    void become_active();
    void write_next();
    // The peer went away or the session ended: detaches if needed, runs pending callbacks.
    void close(bool detach);

    Server::Impl& server_;
    Protocol::socket socket_;
    std::unique_ptr<Session> session_;
    protocol::PacketDecoder reject_decoder_;
    std::string early_bytes_;  // what a waiting connection sent, replayed if it becomes active
    std::array<char, 16384> buffer_{};
    std::deque<std::pair<std::string, std::function<void()>>> writes_;
    bool writing_ = false;
    bool close_after_writes_ = false;
    bool open_ = true;
};

struct Server::Impl {
    Impl(DebugTarget& target, ServerOptions options);

    void accept();
    void log(std::string_view message);
    // The active connection ended (on the server thread).
    void client_gone(Connection* connection);
    // Returns true if no other client is attached (finishing one that hung up first).
    bool slot_free();
    void client_attached();
    void close_all();

    // Declared first, destroyed last: sockets and pending handlers need it.
    asio::io_context io;
    asio::basic_socket_acceptor<Protocol> acceptor{io};
    DebugTarget& target;
    ServerOptions options;
    Endpoint endpoint;
    std::string address;
    std::thread thread;

    // Server thread only.
    std::shared_ptr<Connection> active;
    std::vector<std::weak_ptr<Connection>> connections;

    // Lock order: `mutex` is a leaf; no callback runs while it is held.
    mutable std::mutex mutex;
    std::condition_variable client_changed;
    bool has_client = false;
    bool stopped = false;
};

}  // namespace svm::gdb
