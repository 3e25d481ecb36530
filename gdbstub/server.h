// The gdb server: Boost.Asio transport around Session (TCP with TCP_NODELAY, or a Unix domain
// socket). Runs its io_context on its own thread; every DebugTarget call happens there. One
// debugger at a time: a second simultaneous client gets
// "E.another debugger is already attached to this svm" to its first packet and is closed; once
// the first one detaches or disconnects (a disconnect counts as a detach), a new one may attach.
// Asio stays out of this header (pimpl), so including it costs nothing.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "gdbstub/debug_target.h"
#include "gdbstub/endpoint.h"
#include "gdbstub/session.h"

namespace svm::gdb {

struct ServerOptions {
    // Session settings for every client, including the log sink (-v) and the packet trace
    // hook (-vv); the log sink also gets the server's own messages (client connected, ...).
    SessionOptions session;
};

class Server {
public:
    // Binds and listens on `endpoint` now. A stale Unix socket file (nobody listening) is
    // replaced. Returns the server, or an error such as "cannot listen on 127.0.0.1:1234:
    // address already in use".
    static TargetResult<std::unique_ptr<Server>> create(const Endpoint& endpoint,
                                                        DebugTarget& target,
                                                        ServerOptions options = {});
    // Same as parse_endpoint() (endpoint.h).
    static TargetResult<Endpoint> parse_endpoint(std::string_view spec);

    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // What it listens on: "127.0.0.1:1234" (the actual port if 0 was asked), "[::1]:1234",
    // "unix:/tmp/svm.sock".
    std::string address() const;

    // Starts accepting clients on the server thread.
    void start();

    // Closes the listener and every connection, joins the server thread and removes the Unix
    // socket file. Does not detach the target (svm is shutting down). Idempotent; the
    // destructor calls it. Called from the server thread itself (e.g. from DebugTarget::kill)
    // it closes everything but cannot join; the destructor then joins.
    void stop();

    // Thread-safe: the target stopped. The stop reply goes to the client if it is waiting for
    // one; after it is written (or at once if no client waits for it) `after` runs on the
    // server thread. If the server is stopped first, `after` never runs.
    void notify_stop(StopReason reason, std::function<void()> after = {});

    // Thread-safe: true while a client is attached.
    bool has_client() const;

    // Blocks until a client has attached (target.attach() returned) or stop() was called.
    void wait_for_client();

    // Blocks until no client is attached (the last one closed its connection after its final
    // reply, e.g. to vKill) or `timeout` passed. Returns true if none is attached.
    bool wait_for_no_client(std::chrono::milliseconds timeout);

    struct Impl;

private:
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace svm::gdb
