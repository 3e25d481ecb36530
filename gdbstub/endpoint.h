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

    // "127.0.0.1:1234", "[::1]:1234", "unix:/tmp/s".
    std::string to_string() const;
};

// Parses a listen spec: "1234", ":1234" (both on 127.0.0.1), "0.0.0.0:1234", "localhost:1234",
// "[::1]:1234" or "unix:/path". Returns the endpoint, or an error naming the spec and the
// accepted forms.
TargetResult<Endpoint> parse_endpoint(std::string_view spec);

}  // namespace svm::gdb
