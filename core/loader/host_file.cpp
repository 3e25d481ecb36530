#include "core/loader/host_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

namespace svm {

namespace {

const char* file_kind(mode_t mode) {
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

}  // namespace

std::string HostFile::describe_size(uint64_t bytes) {
    constexpr uint64_t kKiB = 1024, kMiB = kKiB << 10, kGiB = kMiB << 10;
    if (bytes >= kGiB && bytes % kGiB == 0) return fmt::format("{} GiB", bytes / kGiB);
    if (bytes >= kMiB && bytes % kMiB == 0) return fmt::format("{} MiB", bytes / kMiB);
    if (bytes >= kKiB && bytes % kKiB == 0) return fmt::format("{} KiB", bytes / kKiB);
    if (bytes >= kMiB)
        return fmt::format("{} bytes ({:.1f} MiB)", bytes, static_cast<double>(bytes) / kMiB);
    return fmt::format("{} bytes", bytes);
}

Result<HostFile> HostFile::open(const std::string& path, std::string what) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait until some process opens it
    // for writing (fifo(7)). Regular files ignore the flag.
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return error("cannot open {} '{}': {}", what, path, std::strerror(errno));
    UniqueFd file(fd);
    struct stat st {};
    if (fstat(fd, &st) != 0)
        return error("cannot read {} '{}': {}", what, path, std::strerror(errno));
    if (S_ISDIR(st.st_mode)) return error("{} '{}' is a directory, not a file", what, path);
    // Pipes and FIFOs (process substitution: svm <(zcat kernel.gz)) are read with a bound.
    // Devices are refused: /dev/zero never ends, a terminal waits for typing, and neither holds
    // a kernel.
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
        return error("{} '{}' is {}: svm loads regular files (and pipes)", what, path,
                     file_kind(st.st_mode));
    bool regular = S_ISREG(st.st_mode);
    return HostFile(std::move(file), path, std::move(what), regular,
                    regular ? static_cast<uint64_t>(st.st_size) : 0);
}

bool HostFile::has_elf_magic() const {
    if (!regular_) return false;
    uint8_t magic[4];
    ssize_t n;
    do {
        n = pread(fd_.get(), magic, sizeof magic, 0);
    } while (n < 0 && errno == EINTR);
    return n == 4 && std::memcmp(magic,
                                 "\x7f"
                                 "ELF",
                                 4) == 0;
}

Result<std::vector<uint8_t>> HostFile::read_all(uint64_t limit, const std::string& limit_name) {
    if (!regular_) return read_stream(limit, limit_name);
    if (size_ > limit)
        return error("{} '{}' is {}, larger than {}", what_, path_, describe_size(size_),
                     limit_name);
    std::vector<uint8_t> bytes;
    try {
        bytes.resize(size_);
    } catch (const std::bad_alloc&) {
        return error("not enough host memory to read {} '{}' ({})", what_, path_,
                     describe_size(size_));
    }
    uint64_t done = 0;
    while (done < size_) {
        ssize_t n = pread(fd_.get(), bytes.data() + done, size_ - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return error("cannot read {} '{}': {}", what_, path_, std::strerror(errno));
        if (n == 0) break;  // the file shrank since fstat: take what is there
        done += static_cast<uint64_t>(n);
    }
    bytes.resize(done);
    return bytes;
}

Result<std::vector<uint8_t>> HostFile::read_stream(uint64_t limit, const std::string& limit_name) {
    std::vector<uint8_t> bytes;
    uint8_t chunk[64 * 1024];
    for (;;) {
        ssize_t n = ::read(fd_.get(), chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // The writer is there but has not written yet: wait for data or its end.
            pollfd pfd{fd_.get(), POLLIN, 0};
            if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                return error("cannot read {} '{}': {}", what_, path_, std::strerror(errno));
            continue;
        }
        if (n < 0) return error("cannot read {} '{}': {}", what_, path_, std::strerror(errno));
        if (n == 0) break;
        if (static_cast<uint64_t>(n) > limit - std::min<uint64_t>(limit, bytes.size()))
            return error("{} '{}' holds more than {}", what_, path_, limit_name);
        try {
            bytes.insert(bytes.end(), chunk, chunk + n);
        } catch (const std::bad_alloc&) {
            return error("not enough host memory to read {} '{}'", what_, path_);
        }
    }
    if (bytes.empty())
        return error(
            "{} '{}' is a pipe or FIFO that gave no data: start the program that writes it "
            "before svm",
            what_, path_);
    return bytes;
}

}  // namespace svm
