#include "devices/virtio/block_image.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/log.h"

namespace svm::virtio {

namespace {

// The bounce buffer for O_DIRECT I/O: requests are split into pieces of at most this many bytes.
constexpr size_t kBounceBytes = 256 * 1024;
constexpr int kEndOfFile = -1;  // transfer_all(): a read hit the end of the file

std::string describe(int code) {
    return code == kEndOfFile ? "the file is shorter than at open" : std::strerror(code);
}

// Transfers all of `iov` at `offset` with preadv/pwritev: retries after EINTR and continues
// after short transfers. Returns 0, an errno, or kEndOfFile if a read hit the end of the file.
int transfer_all(int fd, std::vector<iovec> iov, uint64_t offset, bool writing) {
    size_t first = 0;
    for (;;) {
        while (first < iov.size() && iov[first].iov_len == 0) ++first;
        if (first == iov.size()) return 0;
        int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
        ssize_t n = writing ? ::pwritev(fd, &iov[first], count, static_cast<off_t>(offset))
                            : ::preadv(fd, &iov[first], count, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return writing ? EIO : kEndOfFile;
        offset += static_cast<uint64_t>(n);
        auto left = static_cast<size_t>(n);
        while (left > 0) {
            size_t step = std::min(left, iov[first].iov_len);
            iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + step;
            iov[first].iov_len -= step;
            left -= step;
            if (iov[first].iov_len == 0) ++first;
        }
    }
}

std::vector<iovec> to_iovecs(std::span<const std::span<uint8_t>> parts) {
    std::vector<iovec> iov;
    iov.reserve(parts.size());
    for (auto part : parts) iov.push_back(iovec{part.data(), part.size()});
    return iov;
}

uint64_t total_bytes(std::span<const std::span<uint8_t>> parts) {
    uint64_t total = 0;
    for (auto part : parts) total += part.size();
    return total;
}

// Copies `n` bytes between `flat` and the scattered `parts`, starting at the cursor
// (`index`, `offset` into parts[index]), and advances the cursor.
void copy_scattered(std::span<const std::span<uint8_t>> parts, size_t& index, size_t& offset,
                    uint8_t* flat, size_t n, bool to_parts) {
    while (n > 0) {
        auto part = parts[index];
        size_t step = std::min(n, part.size() - offset);
        if (to_parts) {
            std::memcpy(part.data() + offset, flat, step);
        } else {
            std::memcpy(flat, part.data() + offset, step);
        }
        flat += step;
        n -= step;
        offset += step;
        if (offset == part.size()) ++index, offset = 0;
    }
}

struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<uint8_t, FreeDeleter>;

AlignedBuffer aligned_buffer(size_t align, size_t bytes) {
    return AlignedBuffer(static_cast<uint8_t*>(std::aligned_alloc(align, bytes)));
}

// The smallest alignment O_DIRECT reads of `fd` accept (512 or 4096), or 0 if none does.
size_t probe_direct_alignment(int fd) {
    auto buffer = aligned_buffer(4096, 4096);
    for (size_t align : {size_t{512}, size_t{4096}}) {
        ssize_t n;
        do {
            n = ::pread(fd, buffer.get(), align, 0);
        } while (n < 0 && errno == EINTR);
        if (n >= 0) return align;
        if (errno != EINVAL) return 0;
    }
    return 0;
}

}  // namespace

Result<DiskConfig> parse_disk_option(std::string_view text) {
    DiskConfig config;
    size_t comma = text.find(',');
    config.path = std::string(text.substr(0, comma));
    if (config.path.empty()) {
        return error(
            "--disk '{}': the image file name is missing (--disk FILE[,ro][,serial=S]"
            "[,cache=writeback|none])",
            text);
    }
    while (comma != std::string_view::npos) {
        text.remove_prefix(comma + 1);
        comma = text.find(',');
        std::string_view option = text.substr(0, comma);
        if (option == "ro") {
            config.read_only = true;
        } else if (option.starts_with("serial=")) {
            config.serial = std::string(option.substr(7));
            if (config.serial.size() > kBlockIdBytes) {
                return error("--disk {}: serial '{}' is {} bytes long; at most {} fit", config.path,
                             config.serial, config.serial.size(), kBlockIdBytes);
            }
        } else if (option == "cache=writeback") {
            config.cache = DiskCache::Writeback;
        } else if (option == "cache=none") {
            config.cache = DiskCache::None;
        } else if (option.starts_with("cache=")) {
            return error(
                "--disk {}: unknown cache mode '{}' (expected cache=writeback or "
                "cache=none)",
                config.path, option.substr(6));
        } else {
            return error(
                "--disk {}: unknown option '{}' (expected ro, serial=S or "
                "cache=writeback|none)",
                config.path, option);
        }
    }
    return config;
}

Result<BlockImage> BlockImage::open(const DiskConfig& config) {
    BlockImage image;
    image.path_ = config.path;
    image.read_only_ = config.read_only;
    const char* path = config.path.c_str();

    int fd = ::open(path, (config.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (!config.read_only && (e == EACCES || e == EROFS)) {
            return error(
                "{}: cannot open the disk image for writing: {} (add ',ro' to attach it "
                "read-only)",
                config.path, std::strerror(e));
        }
        return error("{}: cannot open the disk image: {}", config.path, std::strerror(e));
    }
    image.fd_.reset(fd);

    struct stat st {};
    if (::fstat(fd, &st) != 0) return error("{}: fstat failed: {}", path, std::strerror(errno));
    bool block_device = S_ISBLK(st.st_mode);
    if (block_device) {
        uint64_t bytes = 0;
        if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) {
            return error("{}: cannot read the block device's size: {}", path, std::strerror(errno));
        }
        image.size_bytes_ = bytes;
    } else if (S_ISREG(st.st_mode)) {
        image.size_bytes_ = static_cast<uint64_t>(st.st_size);
    } else {
        return error("{}: a disk image must be a regular file or a block device", path);
    }
    if (image.size_bytes_ % kSectorSize != 0) {
        return error(
            "{}: the image size ({} bytes) is not a multiple of 512-byte sectors; "
            "round it up with 'truncate -s %512 {}'",
            path, image.size_bytes_, path);
    }

    // flock(2) locks the open file description: a second open, in this process or another,
    // conflicts. LOCK_NB: fail at once rather than wait for the other svm to exit.
    int rc;
    do {
        rc = ::flock(fd, (config.read_only ? LOCK_SH : LOCK_EX) | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        if (errno == EWOULDBLOCK) return error("{} is in use by another process", path);
        return error("{}: cannot lock the disk image: {}", path, std::strerror(errno));
    }

    if (config.cache == DiskCache::None) {
        // O_DIRECT can be switched on with F_SETFL; file systems without it (tmpfs) refuse.
        int flags = ::fcntl(fd, F_GETFL);
        if (flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_DIRECT) == 0) {
            image.direct_align_ = image.size_bytes_ == 0 ? 4096 : probe_direct_alignment(fd);
            if (image.direct_align_ == 0 || image.size_bytes_ % image.direct_align_ != 0) {
                image.direct_align_ = 0;
                ::fcntl(fd, F_SETFL, flags);
            }
        }
        if (!image.direct()) {
            log::info(
                "{}: cache=none: the file system does not allow O_DIRECT here; using the "
                "page cache (cache=writeback)",
                path);
        }
    }

    // Probe hole punching past the end of the file, where it cannot change any data.
    if (!config.read_only && !block_device) {
        image.discard_supported_ =
            ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                        static_cast<off_t>(image.size_bytes_), kSectorSize) == 0;
    }
    return image;
}

Result<void> BlockImage::check_bytes(uint64_t sector, uint64_t bytes) const {
    if (bytes % kSectorSize != 0) {
        return error("{}: an I/O of {} bytes is not a whole number of sectors", path_, bytes);
    }
    return check_range(sector, bytes / kSectorSize);
}

Result<void> BlockImage::check_range(uint64_t sector, uint64_t count) const {
    if (sector > sectors() || count > sectors() - sector) {
        return error("{}: sectors {}+{} lie past the end of the image ({} sectors)", path_, sector,
                     count, sectors());
    }
    return {};
}

Result<void> BlockImage::direct_transfer(uint64_t offset, std::span<const std::span<uint8_t>> parts,
                                         bool writing) {
    // O_DIRECT needs offset, length and memory aligned to direct_align_: go through an aligned
    // bounce buffer, reading the edge blocks first when a write covers them only in part.
    uint64_t len = total_bytes(parts);
    uint64_t align = direct_align_;
    uint64_t start = offset / align * align;
    uint64_t end = (offset + len + align - 1) / align * align;
    auto bounce = aligned_buffer(align, kBounceBytes);
    if (!bounce) return error("{}: out of memory for an O_DIRECT buffer", path_);
    size_t index = 0, part_offset = 0;
    for (uint64_t pos = start; pos < end; pos += kBounceBytes) {
        size_t chunk = static_cast<size_t>(std::min<uint64_t>(kBounceBytes, end - pos));
        uint64_t lo = std::max(offset, pos), hi = std::min(offset + len, pos + chunk);
        std::vector<iovec> iov{iovec{bounce.get(), chunk}};
        if (!writing || lo > pos || hi < pos + chunk) {
            if (int e = transfer_all(fd_.get(), iov, pos, false)) {
                return error("{}: read at byte {} failed: {}", path_, pos, describe(e));
            }
        }
        copy_scattered(parts, index, part_offset, bounce.get() + (lo - pos), hi - lo, !writing);
        if (writing) {
            if (int e = transfer_all(fd_.get(), iov, pos, true)) {
                return error("{}: write at byte {} failed: {}", path_, pos, describe(e));
            }
        }
    }
    return {};
}

Result<void> BlockImage::read(uint64_t sector, std::span<const std::span<uint8_t>> parts) {
    uint64_t bytes = total_bytes(parts);
    TRY(check_bytes(sector, bytes));
    if (direct()) return direct_transfer(sector * kSectorSize, parts, false);
    if (int e = transfer_all(fd_.get(), to_iovecs(parts), sector * kSectorSize, false)) {
        return error("{}: read of {} sectors at sector {} failed: {}", path_, bytes / kSectorSize,
                     sector, describe(e));
    }
    return {};
}

Result<void> BlockImage::read(uint64_t sector, std::span<uint8_t> out) {
    std::span<uint8_t> parts[] = {out};
    return read(sector, parts);
}

Result<void> BlockImage::write(uint64_t sector, std::span<const std::span<const uint8_t>> parts) {
    if (read_only_) return error("{}: the disk image is read-only", path_);
    // The transfer code is shared with reads, which write into the parts; a write only reads
    // them (pwritev takes the same iovec).
    std::vector<std::span<uint8_t>> mutable_parts;
    mutable_parts.reserve(parts.size());
    for (auto part : parts) {
        mutable_parts.emplace_back(const_cast<uint8_t*>(part.data()), part.size());
    }
    uint64_t bytes = total_bytes(mutable_parts);
    TRY(check_bytes(sector, bytes));
    if (direct()) return direct_transfer(sector * kSectorSize, mutable_parts, true);
    if (int e = transfer_all(fd_.get(), to_iovecs(mutable_parts), sector * kSectorSize, true)) {
        return error("{}: write of {} sectors at sector {} failed: {}", path_, bytes / kSectorSize,
                     sector, describe(e));
    }
    return {};
}

Result<void> BlockImage::write(uint64_t sector, std::span<const uint8_t> in) {
    std::span<const uint8_t> parts[] = {in};
    return write(sector, parts);
}

Result<void> BlockImage::flush() {
    if (read_only_) return {};
    int rc;
    do {
        rc = ::fdatasync(fd_.get());
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) return error("{}: fdatasync failed: {}", path_, std::strerror(errno));
    return {};
}

Result<void> BlockImage::discard(uint64_t sector, uint64_t count) {
    if (read_only_) return error("{}: the disk image is read-only", path_);
    TRY(check_range(sector, count));
    if (!discard_supported_) return error("{}: the file system cannot punch holes", path_);
    if (::fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                    static_cast<off_t>(sector * kSectorSize),
                    static_cast<off_t>(count * kSectorSize)) != 0) {
        return error("{}: discard of {} sectors at sector {} failed: {}", path_, count, sector,
                     std::strerror(errno));
    }
    return {};
}

Result<void> BlockImage::write_zero_bytes(uint64_t offset, uint64_t bytes) {
    auto zeroes = aligned_buffer(4096, kBounceBytes);
    if (!zeroes) return error("{}: out of memory for a zero buffer", path_);
    std::memset(zeroes.get(), 0, kBounceBytes);
    while (bytes > 0) {
        size_t chunk = static_cast<size_t>(std::min<uint64_t>(bytes, kBounceBytes));
        TRY(write(offset / kSectorSize, std::span<const uint8_t>(zeroes.get(), chunk)));
        offset += chunk;
        bytes -= chunk;
    }
    return {};
}

Result<void> BlockImage::write_zeroes(uint64_t sector, uint64_t count, bool may_unmap) {
    if (read_only_) return error("{}: the disk image is read-only", path_);
    TRY(check_range(sector, count));
    auto offset = static_cast<off_t>(sector * kSectorSize);
    auto length = static_cast<off_t>(count * kSectorSize);
    if (count == 0) return {};
    if (may_unmap && discard_supported_ &&
        ::fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) == 0) {
        return {};
    }
    if (zero_range_supported_) {
        if (::fallocate(fd_.get(), FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, length) ==
            0) {
            return {};
        }
        if (errno == EOPNOTSUPP) zero_range_supported_ = false;
    }
    if (discard_supported_ &&
        ::fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) == 0) {
        return {};
    }
    return write_zero_bytes(sector * kSectorSize, count * kSectorSize);
}

}  // namespace svm::virtio
