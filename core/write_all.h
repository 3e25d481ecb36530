// Writing bytes to a host file descriptor without losing any: write(2) may be interrupted by a
// signal (svm's vCPU kicks and console interrupts are installed without SA_RESTART) or write
// fewer bytes than asked, and stdio's fwrite gives up on EINTR.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace svm {

// Writes all of `bytes` to `fd`: retries after EINTR and short writes, and waits with poll()
// while a non-blocking fd is full. Returns 0, or the errno of the write that failed.
inline int write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n > 0) {
            bytes.remove_prefix(static_cast<size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd pfd{fd, POLLOUT, 0};
            poll(&pfd, 1, -1);
        } else {
            return n < 0 ? errno : EIO;
        }
    }
    return 0;
}

}  // namespace svm
