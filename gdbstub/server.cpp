// Server: binding (TCP; Unix sockets in unix_socket.cpp), the accept loop (backing off when
// accept fails), and the thread-safe entry points,
// which post to the server thread so that the DebugTarget is only ever called from there.
#include "gdbstub/server.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "gdbstub/server_impl.h"

namespace svm::gdb {
namespace {

std::string lowercase_first(std::string text) {
    if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = char(text[0] - 'A' + 'a');
    return text;
}

// Resolves a TCP endpoint, preferring IPv4 for names such as "localhost".
TargetResult<asio::ip::tcp::endpoint> resolve(asio::io_context& io, const Endpoint& endpoint) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(endpoint.host, ec);
    if (!ec) return asio::ip::tcp::endpoint(address, endpoint.port);
    asio::ip::tcp::resolver resolver(io);
    auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
    if (ec || results.empty()) {
        return target_error(2, fmt::format("cannot listen on {}: cannot resolve '{}'",
                                           endpoint.to_string(), endpoint.host));
    }
    for (const auto& entry : results) {
        if (entry.endpoint().address().is_v4()) return entry.endpoint();
    }
    return results.begin()->endpoint();
}

std::string format_local_address(const Protocol::endpoint& local) {
    asio::ip::tcp::endpoint tcp;
    std::memcpy(tcp.data(), local.data(), std::min(local.size(), sizeof(sockaddr_in6)));
    tcp.resize(local.size());
    if (tcp.address().is_v6()) return fmt::format("[{}]:{}", tcp.address().to_string(), tcp.port());
    return fmt::format("{}:{}", tcp.address().to_string(), tcp.port());
}

}  // namespace

Server::Impl::Impl(DebugTarget& target_, ServerOptions options_)
    : target(target_), options(std::move(options_)) {}

void Server::Impl::log(std::string_view message) {
    if (options.session.log) options.session.log(message);
}

void Server::Impl::accept() {
    acceptor.async_accept([this](boost::system::error_code ec, Protocol::socket socket) {
        on_accept(ec, std::move(socket));
    });
}

void Server::Impl::on_accept(boost::system::error_code ec, Protocol::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
        // EMFILE/ENFILE (no descriptor left), ENOBUFS, ENOMEM: the connection stays in the
        // backlog and accepting again at once fails again at once. Wait, and say so once.
        if (ec != accept_error) {
            log(fmt::format("accept failed: {}; retrying every {} ms until it works",
                            lowercase_first(ec.message()), options.accept_retry_delay.count()));
        }
        accept_error = ec;
        accept_retry.expires_after(options.accept_retry_delay);
        accept_retry.async_wait([this](boost::system::error_code e) {
            if (!e) accept();
        });
        return;
    }
    if (accept_error) {
        log("accepting connections again");
        accept_error = {};
    }
    std::erase_if(connections, [](auto& weak) {
        auto connection = weak.lock();
        return !connection || !connection->open();
    });
    size_t waiting = 0;
    for (auto& weak : connections) {
        if (auto connection = weak.lock(); connection && connection->handshaking()) ++waiting;
    }
    if (waiting >= options.max_handshaking) {
        if (!refusing)
            log(fmt::format("refusing connections while {} wait for their gdb handshake", waiting));
        refusing = true;
        boost::system::error_code ignored;
        socket.close(ignored);
    } else {
        refusing = false;
        if (endpoint.kind == Endpoint::Kind::Tcp) {
            // Every packet is a small request/reply: Nagle would add latency to each.
            boost::system::error_code ignored;
            socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        }
        auto connection = std::make_shared<Connection>(*this, std::move(socket));
        connections.push_back(connection);
        connection->start();
    }
    accept();
}

bool Server::Impl::grant(Connection& connection) {
    if (!slot_free()) {
        log("refused a second debugger: one is already attached");
        return false;
    }
    active = connection.shared_from_this();
    log("debugger connected");
    return true;
}

bool Server::Impl::slot_free() {
    if (active && active->open() && !active->finish_if_hung_up()) return false;
    active.reset();
    return true;
}

void Server::Impl::client_attached() {
    std::lock_guard lock(mutex);
    has_client = true;
    client_changed.notify_all();
}

void Server::Impl::client_gone(Connection* connection) {
    if (active.get() != connection) return;
    active.reset();
    std::lock_guard lock(mutex);
    has_client = false;
    client_changed.notify_all();
}

void Server::Impl::close_all() {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
    for (auto& weak : connections) {
        if (auto connection = weak.lock()) connection->shutdown();
    }
    connections.clear();
    active.reset();
    if (unix_listener) {
        remove_socket_file(address, *unix_listener);
        unix_listener.reset();
    }
}

TargetResult<std::unique_ptr<Server>> Server::create(const Endpoint& endpoint, DebugTarget& target,
                                                     ServerOptions options) {
    auto impl = std::make_unique<Impl>(target, std::move(options));
    impl->endpoint = endpoint;
    boost::system::error_code ec;
    if (endpoint.kind == Endpoint::Kind::Unix) {
        auto listener = listen_unix(endpoint.path, endpoint.shared_dir,
                                    asio::socket_base::max_listen_connections);
        if (!listener) return std::unexpected(listener.error());
        // gdb's `target remote` takes the path itself; absolute, so it works from anywhere.
        impl->address = std::filesystem::absolute(endpoint.path).lexically_normal().string();
        impl->unix_listener = *listener;
        impl->acceptor.assign(Protocol(AF_UNIX, 0), listener->fd, ec);
        if (ec) {
            ::close(listener->fd);
            return target_error(ec.value(), fmt::format("cannot listen on {}: {}",
                                                        endpoint.to_string(), ec.message()));
        }
        return std::unique_ptr<Server>(new Server(std::move(impl)));
    }
    auto bind_to = resolve(impl->io, endpoint);
    if (!bind_to) return std::unexpected(bind_to.error());
    auto fail = [&](boost::system::error_code error) {
        return target_error(error.value() ? error.value() : 1,
                            fmt::format("cannot listen on {}: {}", endpoint.to_string(),
                                        lowercase_first(error.message())));
    };
    impl->acceptor.open(Protocol(bind_to->protocol()), ec);
    if (ec) return fail(ec);
    // Lets svm restart at once on the same port while old connections sit in TIME_WAIT.
    impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    impl->acceptor.bind(Protocol::endpoint(*bind_to), ec);
    if (ec) return fail(ec);
    impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(ec);
    impl->address = format_local_address(impl->acceptor.local_endpoint());
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

TargetResult<Endpoint> Server::parse_endpoint(std::string_view spec) {
    return svm::gdb::parse_endpoint(spec);
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
    stop();
    if (impl_->thread.joinable()) {
        if (impl_->thread.get_id() == std::this_thread::get_id()) {
            impl_->thread.detach();
        } else {
            impl_->thread.join();
        }
    }
}

std::string Server::address() const {
    return impl_->address;
}

void Server::start() {
    if (impl_->thread.joinable()) return;
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->stopped) return;
    }
    impl_->accept();
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

void Server::stop() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->stopped) return;
        impl_->stopped = true;
        impl_->client_changed.notify_all();
    }
    if (!impl_->thread.joinable()) {
        impl_->close_all();
        return;
    }
    if (impl_->thread.get_id() == std::this_thread::get_id()) {
        impl_->close_all();
        impl_->io.stop();
        return;
    }
    asio::post(impl_->io, [impl = impl_.get()] {
        impl->close_all();
        impl->io.stop();
    });
    impl_->thread.join();
}

void Server::notify_stop(StopReason reason, std::function<void()> after) {
    asio::post(impl_->io, [impl = impl_.get(), reason = std::move(reason),
                           after = std::move(after)]() mutable {
        auto& active = impl->active;
        if (active && active->open() && active->session().attached()) {
            std::string reply = active->session().on_stop(reason);
            if (!reply.empty()) {
                active->write(std::move(reply), std::move(after));
                return;
            }
        }
        if (after) after();
    });
}

bool Server::has_client() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->has_client;
}

void Server::wait_for_client() {
    std::unique_lock lock(impl_->mutex);
    impl_->client_changed.wait(lock, [&] { return impl_->has_client || impl_->stopped; });
}

bool Server::wait_for_no_client(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mutex);
    return impl_->client_changed.wait_for(lock, timeout, [&] { return !impl_->has_client; });
}

}  // namespace svm::gdb
