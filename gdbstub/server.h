// The gdb server: Boost.Asio transport around Session (TCP with TCP_NODELAY, or a Unix domain
// socket). Runs its io_context on its own thread; every DebugTarget call happens there. A
// connection becomes a debugger at its handshake (session.h), not when it connects, so a port
// scanner or a stale-socket probe attaches nothing. One debugger at a time: a second client gets
// "E.another debugger is already attached to this svm" in reply to its handshake and is closed;
// once the first one detaches or disconnects (a disconnect counts as a detach), a new one may
// attach. Every connection is bounded (gdbstub/limits.h): its output queue, its partial packet,
// the time it may take to handshake and to take its replies.
// Asio stays out of this header (pimpl), so including it costs nothing.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "gdbstub/debug_target.h"
#include "gdbstub/endpoint.h"
#include "gdbstub/limits.h"
#include "gdbstub/session.h"

namespace svm::gdb {

struct ServerOptions {
    // Session settings for every client, including the log sink (-v) and the packet trace
    // hook (-vv); the log sink also gets the server's own messages (client connected, ...).
    SessionOptions session;
    // The limits of gdbstub/limits.h, here so that tests can shorten them.
    size_t max_queued_output = kMaxQueuedOutput;
    std::chrono::milliseconds drain_timeout = kDrainTimeout;
    std::chrono::milliseconds handshake_timeout = kHandshakeTimeout;
    size_t max_handshaking = kMaxHandshaking;
    std::chrono::milliseconds accept_retry_delay = kAcceptRetryDelay;
};

class Server {
public:
    // Binds and listens on `endpoint` now. A Unix socket is created owner-only (0600) whatever
    // the umask, in a directory only its owner can change (unix_socket.h; Endpoint::shared_dir
    // waives that); a stale socket file (nobody listening) is replaced, anything else at the path
    // is refused. Returns the server, or an error such as "cannot listen on 127.0.0.1:1234:
    // address already in use".
    static TargetResult<std::unique_ptr<Server>> create(const Endpoint& endpoint,
                                                        DebugTarget& target,
                                                        ServerOptions options = {});
    // Same as parse_endpoint() (endpoint.h).
    static TargetResult<Endpoint> parse_endpoint(std::string_view spec);

    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // What it listens on, as gdb's `target remote` takes it: "127.0.0.1:1234" (the actual port
    // if 0 was asked), "[::1]:1234", or the Unix socket's absolute path "/tmp/svm.sock" (gdb 13
    // cannot parse "unix:/tmp/svm.sock").
    std::string address() const;

    // Starts accepting clients on the server thread.
    void start();

    // Closes the listener and every connection, joins the server thread and removes the Unix
    // socket file (if it is still the one the server created). Does not detach the target (svm
    // is shutting down). Never waits for a client. Idempotent; the
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
