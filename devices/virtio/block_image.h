// A raw disk image file behind a virtio-blk device (issue 13 "Block"): `--disk FILE[,ro]
// [,serial=S][,cache=writeback|none]`. The image is a plain file (or a host block device) whose
// byte N is the guest disk's byte N; its size must be a multiple of 512-byte sectors.
//
// The file is locked with flock(2) for as long as the BlockImage lives (LOCK_SH read-only,
// LOCK_EX read-write), so two svm processes cannot write one image. flock locks belong to the
// open file description, so two opens in one process conflict as two processes do.
//
// All I/O is synchronous on the calling thread (pread/pwrite loops that survive EINTR and short
// transfers). Methods never throw; errors come back as Result with a sentence naming the file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"

namespace svm::virtio {

constexpr uint64_t kSectorSize = 512;  // virtio 1.2, 5.2.6: sectors are 512 bytes
constexpr size_t kBlockIdBytes = 20;   // VIRTIO_BLK_ID_BYTES (5.2.6): the GET_ID serial

enum class DiskCache {
    Writeback,  // the host page cache (default); FLUSH makes writes durable
    None,       // O_DIRECT where the file system allows it; FLUSH still calls fdatasync
};

// One `--disk` option, parsed.
struct DiskConfig {
    std::string path;
    bool read_only = false;
    std::string serial;  // at most kBlockIdBytes bytes; empty = none
    DiskCache cache = DiskCache::Writeback;
};

// Parses the text after `--disk`: "FILE[,ro][,serial=S][,cache=writeback|none]". Returns an
// error of one line for an empty file name, an unknown option, a serial longer than 20 bytes or
// an unknown cache mode. FIXME: a file name cannot contain a comma.
Result<DiskConfig> parse_disk_option(std::string_view text);

class BlockImage {
public:
    // Opens `config.path` O_RDONLY for read-only images, else O_RDWR (with O_DIRECT for
    // cache=none if the file system supports it; otherwise logs one line and uses the page
    // cache), and locks it. Returns an error if the file cannot be opened, is not a regular file
    // or block device, its size is not a multiple of 512 bytes, or another open holds a
    // conflicting lock ("FILE is in use by another process").
    static Result<BlockImage> open(const DiskConfig& config);

    BlockImage(BlockImage&&) noexcept = default;
    BlockImage& operator=(BlockImage&&) noexcept = default;
    BlockImage(const BlockImage&) = delete;
    BlockImage& operator=(const BlockImage&) = delete;

    const std::string& path() const { return path_; }
    bool read_only() const { return read_only_; }
    // True if the image was opened with O_DIRECT (cache=none on a file system that allows it).
    bool direct() const { return direct_align_ != 0; }
    // The image size in 512-byte sectors (fixed at open).
    uint64_t sectors() const { return size_bytes_ / kSectorSize; }
    uint64_t size_bytes() const { return size_bytes_; }

    // Reads sectors [sector, sector + n) where n = total size of `parts` / 512, into `parts` in
    // order (as if they were one buffer). Each part may have any size and alignment; the total
    // must be a multiple of 512 bytes. Returns an error if the total is not a multiple of 512,
    // the range passes the end of the image, or the read fails (the error names the errno);
    // the parts' contents are then unspecified.
    Result<void> read(uint64_t sector, std::span<const std::span<uint8_t>> parts);
    Result<void> read(uint64_t sector, std::span<uint8_t> out);
    // Writes `parts` (total a multiple of 512 bytes) to sectors starting at `sector`. Errors as
    // read(), and also if the image is read-only (nothing is written then). A failed write may
    // have written part of the range.
    Result<void> write(uint64_t sector, std::span<const std::span<const uint8_t>> parts);
    Result<void> write(uint64_t sector, std::span<const uint8_t> in);

    // Makes every completed write durable (fdatasync). Returns an error naming the errno; a
    // read-only image flushes successfully without a syscall.
    Result<void> flush();

    // True if discard() can deallocate on this file system (probed at open: fallocate
    // PUNCH_HOLE past the end of the file). Always false for read-only images.
    bool discard_supported() const { return discard_supported_; }
    // Deallocates sectors [sector, sector + count): they then read as zeroes (fallocate
    // PUNCH_HOLE | KEEP_SIZE). Returns an error if unsupported, read-only, out of range or the
    // call fails.
    Result<void> discard(uint64_t sector, uint64_t count);

    // True for every writable image: write_zeroes() falls back to writing zeroes.
    bool write_zeroes_supported() const { return !read_only_; }
    // Makes sectors [sector, sector + count) read as zeroes: fallocate ZERO_RANGE | KEEP_SIZE,
    // else (if `may_unmap` or ZERO_RANGE is unsupported) PUNCH_HOLE | KEEP_SIZE, else writes
    // zero sectors. Returns an error if read-only, out of range or every way failed.
    Result<void> write_zeroes(uint64_t sector, uint64_t count, bool may_unmap);

private:
    BlockImage() = default;

    Result<void> check_range(uint64_t sector, uint64_t count) const;
    Result<void> check_bytes(uint64_t sector, uint64_t bytes) const;
    Result<void> write_zero_bytes(uint64_t offset, uint64_t bytes);
    Result<void> direct_transfer(uint64_t offset, std::span<const std::span<uint8_t>> parts,
                                 bool writing);

    std::string path_;
    UniqueFd fd_;
    bool read_only_ = false;
    uint64_t size_bytes_ = 0;
    size_t direct_align_ = 0;  // O_DIRECT's offset/length/memory alignment; 0 = not O_DIRECT
    bool discard_supported_ = false;
    bool zero_range_supported_ = true;  // cleared after the first EOPNOTSUPP
};

}  // namespace svm::virtio
