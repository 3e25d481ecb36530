// Server: binding (TCP or Unix socket), the accept loop, and the thread-safe entry points,
// which post to the server thread so that the DebugTarget is only ever called from there.
#include "gdbstub/server.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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

// A Unix socket file nobody accepts on is left over from a crashed svm: remove it. One that
// accepts belongs to a running svm: keep it (bind then fails with "address already in use").
void remove_stale_socket(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return;
    asio::io_context io;
    asio::local::stream_protocol::socket probe(io);
    boost::system::error_code ec;
    probe.connect(asio::local::stream_protocol::endpoint(path), ec);
    if (ec) ::unlink(path.c_str());
}

std::string format_local_address(const Protocol::endpoint& local, const Endpoint& endpoint) {
    if (endpoint.kind == Endpoint::Kind::Unix) return "unix:" + endpoint.path;
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
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
        if (!ec) {
            if (endpoint.kind == Endpoint::Kind::Tcp) {
                // Every packet is a small request/reply: Nagle would add latency to each.
                boost::system::error_code ignored;
                socket.set_option(asio::ip::tcp::no_delay(true), ignored);
            }
            bool busy = !slot_free();
            auto connection = std::make_shared<Connection>(*this, std::move(socket), !busy);
            std::erase_if(connections, [](auto& weak) { return weak.expired(); });
            connections.push_back(connection);
            if (!busy) {
                active = connection;
                log("debugger connected");
            }
            connection->start();
        } else {
            log(fmt::format("accept failed: {}", ec.message()));
        }
        accept();
    });
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
    for (auto& weak : connections) {
        if (auto connection = weak.lock()) connection->shutdown();
    }
    connections.clear();
    active.reset();
    if (endpoint.kind == Endpoint::Kind::Unix) ::unlink(endpoint.path.c_str());
}

TargetResult<std::unique_ptr<Server>> Server::create(const Endpoint& endpoint, DebugTarget& target,
                                                     ServerOptions options) {
    auto impl = std::make_unique<Impl>(target, std::move(options));
    impl->endpoint = endpoint;
    Protocol::endpoint bind_to;
    if (endpoint.kind == Endpoint::Kind::Unix) {
        remove_stale_socket(endpoint.path);
        bind_to = asio::local::stream_protocol::endpoint(endpoint.path);
    } else {
        auto tcp = resolve(impl->io, endpoint);
        if (!tcp) return std::unexpected(tcp.error());
        bind_to = *tcp;
    }
    boost::system::error_code ec;
    auto fail = [&](boost::system::error_code error) {
        return target_error(error.value() ? error.value() : 1,
                            fmt::format("cannot listen on {}: {}", endpoint.to_string(),
                                        lowercase_first(error.message())));
    };
    impl->acceptor.open(bind_to.protocol(), ec);
    if (ec) return fail(ec);
    if (endpoint.kind == Endpoint::Kind::Tcp) {
        // Lets svm restart at once on the same port while old connections sit in TIME_WAIT.
        impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    impl->acceptor.bind(bind_to, ec);
    if (ec) return fail(ec);
    impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(ec);
    impl->address = format_local_address(impl->acceptor.local_endpoint(), endpoint);
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
        if (active && active->open() && active->session()) {
            std::string reply = active->session()->on_stop(reason);
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
