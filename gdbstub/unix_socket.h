// Unix domain socket listeners: where svm may create one, what it may replace, and creating it
// so that only its owner can connect.
//
// Whoever can connect to svm's socket controls the guest and can read the kernel file; whoever
// can replace the socket file makes the user's gdb talk to their program instead. So:
// - the socket is created 0600 whatever the umask (see listen_unix), and
// - every directory from the socket's up to / must be owned by the user or by root, and writable
//   by no one else: not by others, not by its group unless that is the user's private group (named
//   as the user, with no other members) — except a sticky directory such as /tmp (mode 1777),
//   where only an entry's owner can remove or rename it. This is OpenSSH's StrictModes rule for
//   ~/.ssh, with the sticky exception; Endpoint::shared_dir (",shared-dir") waives it.
// Only a stale socket (one nobody accepts on, left by a crashed svm) is ever replaced; a regular
// file, a directory or a symbolic link at the path is refused and left alone.
#pragma once

#include <sys/types.h>

#include <string>

#include "gdbstub/target_result.h"

namespace svm::gdb {

// Returns an error naming the first directory on the way from `path`'s directory to / that
// breaks the rule above, and what to do about it. `shared_dir` skips the rule (the directory
// must still exist).
TargetResult<void> check_socket_directory(const std::string& path, bool shared_dir);

// What is at `path`: nothing (false) or a stale socket (true). An error if something else is
// there: a socket another program (another svm?) accepts on, or anything that is not a socket.
// Probes a socket with a non-blocking connect that it closes at once (a full listen backlog
// counts as listening; the connection never completes a gdb handshake, so a running svm ignores
// it).
TargetResult<bool> inspect_socket_path(const std::string& path);

// A listening Unix socket and the identity of its file, so that svm removes only its own.
struct UnixListener {
    int fd = -1;
    dev_t device = 0;
    ino_t inode = 0;
};

// check_socket_directory(), inspect_socket_path() (removing a stale socket), then socket, bind
// and listen, the file owner-only (0600) before anyone can connect. Returns the listener (the
// caller owns the descriptor) or an error "cannot listen on unix:PATH: why".
TargetResult<UnixListener> listen_unix(const std::string& path, bool shared_dir, int backlog);

// Removes the socket file at `path` if it is still `listener`'s.
void remove_socket_file(const std::string& path, const UnixListener& listener);

}  // namespace svm::gdb
