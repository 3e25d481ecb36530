// Where the gdb server listens: a TCP host:port or a Unix domain socket path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gdbstub/target_result.h"

namespace svm::gdb {

struct Endpoint {
    enum class Kind { Tcp, Unix };
    Kind kind = Kind::Tcp;
    std::string host = "127.0.0.1";  // Kind::Tcp: an address or a name ("localhost")
    uint16_t port = 0;               // Kind::Tcp: 0 picks a free port
    std::string path;                // Kind::Unix
    // Kind::Unix: accept a directory that others can write to (",shared-dir"; unix_socket.h).
    bool shared_dir = false;

    // "127.0.0.1:1234", "[::1]:1234", "unix:/tmp/s".
    std::string to_string() const;
};

// Parses a listen spec: "1234", ":1234" (both on 127.0.0.1), "0.0.0.0:1234", "localhost:1234",
// "[::1]:1234" or "unix:/path", which may end in ",shared-dir". Returns the endpoint, or an error
// naming the spec and the accepted forms.
TargetResult<Endpoint> parse_endpoint(std::string_view spec);

// parse_endpoint(), then what can be known before listening: a host name must resolve; a Unix
// socket's directory must exist and pass the rule of unix_socket.h, and nothing but a socket may
// be at the path. For the command line, so that a spec that cannot work is a usage error found
// before anything starts; Server::create checks all of it again when it binds.
TargetResult<Endpoint> check_endpoint(std::string_view spec);

}  // namespace svm::gdb
