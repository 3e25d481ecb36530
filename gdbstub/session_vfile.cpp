// Host I/O (GDB manual E.7 "Host I/O Packets"), limited to reading the program's own file: gdb
// opens the exec file named by qXfer:exec-file through vFile when its sysroot is "target:" (the
// default), which lets a gdb on another machine load the kernel's symbols from svm.
#include <fmt/format.h>

#include <cstring>

#include "gdbstub/protocol/hex.h"
#include "gdbstub/session.h"

namespace svm::gdb {

namespace {

// errno values of the File-I/O protocol (GDB manual E.13.9 "Errno Values").
constexpr int kFioEnoent = 2;
constexpr int kFioEbadf = 9;
constexpr int kFioEacces = 13;
constexpr int kFioEinval = 22;
constexpr int kFioUnknown = 9999;
constexpr int kExecFd = 3;

std::string fio_error(int errno_value) {
    return fmt::format("F-1,{:x}", errno_value);
}

// Splits "a,b,c" into its comma-separated fields.
std::vector<std::string_view> fields(std::string_view args) {
    std::vector<std::string_view> out;
    while (true) {
        auto parts = protocol::split_once(args, ',');
        if (!parts) {
            out.push_back(args);
            return out;
        }
        out.push_back(parts->first);
        args = parts->second;
    }
}

// struct stat of the File-I/O protocol (E.13.7 "struct stat"): big-endian, 64 bytes.
std::string fio_stat(uint64_t size) {
    std::string st;
    auto be = [&](uint64_t v, int bytes) {
        for (int i = bytes - 1; i >= 0; --i) st += static_cast<char>((v >> (8 * i)) & 0xff);
    };
    be(0, 4);                      // st_dev
    be(0, 4);                      // st_ino
    be(0100444, 4);                // st_mode: regular file, read-only
    be(1, 4);                      // st_nlink
    be(0, 4), be(0, 4), be(0, 4);  // st_uid, st_gid, st_rdev
    be(size, 8);                   // st_size
    be(4096, 8);                   // st_blksize
    be((size + 511) / 512, 8);     // st_blocks
    be(0, 4), be(0, 4), be(0, 4);  // st_atime, st_mtime, st_ctime
    return st;
}

}  // namespace

std::string Session::handle_vfile(std::string_view args) {
    auto op = protocol::split_once(args, ':');
    if (!op) return "";
    auto f = fields(op->second);
    if (op->first == "setfs") return "F0";  // one file system: svm's host's
    if (op->first == "open") {
        if (f.size() != 3) return fio_error(kFioEinval);
        auto name = protocol::decode_hex(f[0]);
        auto flags = protocol::parse_hex(f[1]);
        auto path = target_.exec_file();
        if (!name || !flags) return fio_error(kFioEinval);
        if (!path ||
            std::string_view(reinterpret_cast<const char*>(name->data()), name->size()) != *path)
            return fio_error(kFioEnoent);
        if (*flags != 0) return fio_error(kFioEacces);  // O_RDONLY only
        vfile_fd_ = kExecFd;
        return fmt::format("F{:x}", kExecFd);
    }
    if (op->first == "close") {
        if (f.size() != 1 || protocol::parse_hex(f[0]) != uint64_t(vfile_fd_) || vfile_fd_ < 0)
            return fio_error(kFioEbadf);
        vfile_fd_ = -1;
        return "F0";
    }
    if (op->first == "pread") {
        if (f.size() != 3) return fio_error(kFioEinval);
        auto fd = protocol::parse_hex(f[0]);
        auto count = protocol::parse_hex(f[1]);
        auto offset = protocol::parse_hex(f[2]);
        if (!fd || !count || !offset) return fio_error(kFioEinval);
        if (vfile_fd_ < 0 || *fd != uint64_t(vfile_fd_)) return fio_error(kFioEbadf);
        // The reply carries the data escaped: keep it well inside PacketSize.
        size_t length = std::min<uint64_t>(*count, options_.packet_size / 2);
        auto data = target_.read_exec_file(*offset, length);
        if (!data) return fio_error(kFioUnknown);
        std::string reply = fmt::format("F{:x};", data->size());
        reply.append(reinterpret_cast<const char*>(data->data()), data->size());
        return reply;
    }
    if (op->first == "fstat") {
        if (f.size() != 1 || vfile_fd_ < 0 || protocol::parse_hex(f[0]) != uint64_t(vfile_fd_))
            return fio_error(kFioEbadf);
        auto size = target_.exec_file_size();
        if (!size) return fio_error(kFioUnknown);
        std::string st = fio_stat(*size);
        return fmt::format("F{:x};", st.size()) + st;
    }
    return "";  // unlink, readlink, pwrite: not offered
}

}  // namespace svm::gdb
