// A file svm loads into the guest (the kernel, a Multiboot module), read without trusting its
// size: a 6 GiB file, /dev/zero or a FIFO makes the load fail with one clear sentence, but never
// makes svm allocate without bound or wait for a writer that does not exist.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace svm {

class HostFile {
public:
    // Opens `path` for reading. `what` names the file in every error ("the kernel", "module 0").
    // Opening never waits: a FIFO is opened non-blocking, so one that no process writes to is
    // refused by read_all(), not waited for. Returns an error for a file that cannot be opened
    // and for a directory.
    static Result<HostFile> open(const std::string& path, std::string what);

    // True for a regular file (its size() is known before reading); false for a pipe, a FIFO,
    // a character device, a socket.
    bool is_regular() const { return regular_; }
    // A regular file's size in bytes (0 otherwise).
    uint64_t size() const { return size_; }
    // True if a regular file starts with the ELF magic ("\x7fELF"). Reads 4 bytes with pread,
    // so read_all() still reads from the start.
    bool has_elf_magic() const;

    // Reads the whole file if it holds at most `limit` bytes. Otherwise returns an error saying
    // the file is larger than `limit_name` ("the guest's 128 MiB of RAM"), before reading a byte
    // of a regular file and after reading limit + 1 bytes of anything else. A pipe or FIFO that
    // ends without a byte (no writer, or one that wrote nothing) is refused too. Read errors and
    // signals are handled (EINTR is retried); failing to allocate the buffer is an error, not an
    // abort.
    Result<std::vector<uint8_t>> read_all(uint64_t limit, const std::string& limit_name);

    // "128 MiB", "6 GiB", "1500 bytes": how errors name a size.
    static std::string describe_size(uint64_t bytes);

private:
    HostFile(UniqueFd fd, std::string path, std::string what, bool regular, uint64_t size)
        : fd_(std::move(fd)),
          path_(std::move(path)),
          what_(std::move(what)),
          regular_(regular),
          size_(size) {}
    Result<std::vector<uint8_t>> read_stream(uint64_t limit, const std::string& limit_name);

    UniqueFd fd_;
    std::string path_;
    std::string what_;
    bool regular_;
    uint64_t size_;
};

}  // namespace svm
