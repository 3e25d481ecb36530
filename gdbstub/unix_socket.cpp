#include "gdbstub/unix_socket.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace svm::gdb {
namespace {

namespace fs = std::filesystem;

// strerror(), lower-case as the rest of the message.
std::string errno_text(int error) {
    std::string text = std::strerror(error);
    if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = char(text[0] - 'A' + 'a');
    return text;
}

std::unexpected<TargetError> cannot_listen(const std::string& path, std::string_view why,
                                           int code = 1) {
    return target_error(code, fmt::format("cannot listen on unix:{}: {}", path, why));
}

std::string directory_advice() {
    return "use a directory only you can change, such as $XDG_RUNTIME_DIR, or accept the risk "
           "with unix:PATH,shared-dir";
}

// The user's name, or "" if it has none.
std::string user_name(uid_t uid) {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || !found) return {};
    return found->pw_name;
}

// The group's name and whether anyone but `user` is listed in it; "" if it has no entry.
std::string group_name(gid_t gid, const std::string& user, bool& others) {
    std::vector<char> buffer(65536);
    group entry{};
    group* found = nullptr;
    others = false;
    if (::getgrgid_r(gid, &entry, buffer.data(), buffer.size(), &found) != 0 || !found) return {};
    for (char** member = found->gr_mem; member && *member; ++member)
        others = others || user != *member;
    return found->gr_name;
}

// A user private group: named as the user, with no other members (Debian's and Fedora's
// convention, under which a umask of 002 makes every directory group-writable).
bool is_private_group(gid_t gid, uid_t uid) {
    const std::string user = user_name(uid);
    bool others = false;
    return !user.empty() && group_name(gid, user, others) == user && !others;
}

// Why `dir` breaks the rule of unix_socket.h, or "" if it does not.
std::string rule_broken(const std::string& dir, const struct stat& st, uid_t uid) {
    if (!S_ISDIR(st.st_mode)) return fmt::format("{} is not a directory", dir);
    const bool sticky = st.st_mode & S_ISVTX;
    const unsigned mode = st.st_mode & 07777;
    if (st.st_uid != uid && st.st_uid != 0) {
        return fmt::format("{} belongs to another user (uid {}), who could replace the socket", dir,
                           st.st_uid);
    }
    if ((st.st_mode & S_IWOTH) && !sticky) {
        return fmt::format(
            "{} is writable by others (mode {:04o}): another user could "
            "replace the socket",
            dir, mode);
    }
    if ((st.st_mode & S_IWGRP) && !sticky && !is_private_group(st.st_gid, uid)) {
        bool others = false;
        std::string name = group_name(st.st_gid, user_name(uid), others);
        std::string who = name.empty() ? std::to_string(st.st_gid) : "'" + name + "'";
        return fmt::format(
            "{} is writable by group {} (mode {:04o}): its members could "
            "replace the socket",
            dir, who, mode);
    }
    return {};
}

const char* file_kind(mode_t mode) {
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISLNK(mode)) return "a symbolic link";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    return "not a socket";
}

}  // namespace

TargetResult<void> check_socket_directory(const std::string& path, bool shared_dir) {
    fs::path parent = fs::path(path).parent_path();
    if (parent.empty()) parent = ".";
    // The real directory (symbolic links resolved: /var/run is /run), then each one above it.
    char* resolved = ::realpath(parent.c_str(), nullptr);
    if (!resolved) {
        return cannot_listen(
            path, fmt::format("directory {}: {}", parent.string(), errno_text(errno)), errno);
    }
    fs::path dir = resolved;
    std::free(resolved);
    const uid_t uid = ::geteuid();
    for (;;) {
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0)
            return cannot_listen(path, fmt::format("{}: {}", dir.string(), errno_text(errno)),
                                 errno);
        if (shared_dir) {
            if (!S_ISDIR(st.st_mode))
                return cannot_listen(path, fmt::format("{} is not a directory", dir.string()));
            return {};
        }
        if (std::string why = rule_broken(dir.string(), st, uid); !why.empty())
            return cannot_listen(path, why + "; " + directory_advice(), EPERM);
        if (dir == dir.root_path()) return {};
        dir = dir.parent_path();
    }
}

TargetResult<bool> inspect_socket_path(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return false;
        return cannot_listen(path, errno_text(errno), errno);
    }
    if (!S_ISSOCK(st.st_mode)) {
        return cannot_listen(path,
                             fmt::format("{} is {}, not a socket; svm replaces only a stale socket "
                                         "(remove it or choose another path)",
                                         path, file_kind(st.st_mode)),
                             EEXIST);
    }
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (probe < 0) return cannot_listen(path, errno_text(errno), errno);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    int r = ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int error = r == 0 ? 0 : errno;
    ::close(probe);
    if (error == ECONNREFUSED) return true;  // nobody accepts on it: stale
    if (error == 0 || error == EAGAIN || error == EINPROGRESS) {
        return cannot_listen(path, "another program (another svm?) is already listening on it",
                             EADDRINUSE);
    }
    return cannot_listen(
        path, fmt::format("cannot tell whether {} is in use: {}", path, errno_text(error)), error);
}

TargetResult<UnixListener> listen_unix(const std::string& path, bool shared_dir, int backlog) {
    if (auto r = check_socket_directory(path, shared_dir); !r) return std::unexpected(r.error());
    auto stale = inspect_socket_path(path);
    if (!stale) return std::unexpected(stale.error());
    if (*stale && ::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return cannot_listen(
            path, fmt::format("cannot remove the stale socket: {}", errno_text(errno)), errno);
    }

    UnixListener listener;
    listener.fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener.fd < 0) return cannot_listen(path, errno_text(errno), errno);
    auto fail = [&](std::string why, int code) {
        ::close(listener.fd);
        return cannot_listen(path, why, code);
    };
    // bind() creates the file with the socket inode's mode less the umask (unix_bind() in
    // net/unix/af_unix.c), so after this fchmod the file is owner-only from its first moment,
    // whatever the umask. Nobody can connect before listen() in any case; the check after bind
    // catches a kernel that ignored it.
    if (::fchmod(listener.fd, S_IRUSR | S_IWUSR) != 0) return fail(errno_text(errno), errno);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::bind(listener.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int error = errno;
        if (error == EADDRINUSE) return fail("address already in use", error);
        return fail(errno_text(error), error);
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode))
        return fail("the socket file vanished after bind", ENOENT);
    if ((st.st_mode & 077) != 0 && ::chmod(path.c_str(), S_IRUSR | S_IWUSR) != 0) {
        int error = errno;
        ::unlink(path.c_str());
        return fail(fmt::format("cannot make the socket owner-only: {}", errno_text(error)), error);
    }
    if (::listen(listener.fd, backlog) != 0) {
        int error = errno;
        ::unlink(path.c_str());
        return fail(errno_text(error), error);
    }
    listener.device = st.st_dev;
    listener.inode = st.st_ino;
    return listener;
}

void remove_socket_file(const std::string& path, const UnixListener& listener) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return;
    if (st.st_dev != listener.device || st.st_ino != listener.inode) return;
    ::unlink(path.c_str());
}

}  // namespace svm::gdb
