#include "core/bios/bios_disk_image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace svm {

namespace {

struct FloppyFormat {
    uint64_t bytes;
    DiskGeometry geometry;
};

// The PC floppy formats (RBIL INT 13/AH=08h, drive types; OSDev wiki "Floppy Disk Controller").
constexpr FloppyFormat kFloppies[] = {
    {368640, {40, 2, 9, 1}},    // 360K 5.25"
    {737280, {80, 2, 9, 3}},    // 720K 3.5"
    {1228800, {80, 2, 15, 2}},  // 1.2M 5.25"
    {1474560, {80, 2, 18, 4}},  // 1.44M 3.5"
    {2949120, {80, 2, 36, 6}},  // 2.88M 3.5"
};

}  // namespace

DiskGeometry BiosDisk::geometry_for(uint64_t size_bytes) {
    for (const auto& f : kFloppies)
        if (f.bytes == size_bytes) return f.geometry;
    uint64_t sectors = (size_bytes + kSectorSize - 1) / kSectorSize;
    // LBA-assist translation: the fewest heads that keep 1024 cylinders of 63 sectors enough.
    uint32_t heads = 255;
    for (uint32_t h : {16u, 32u, 64u, 128u}) {
        if (sectors <= uint64_t{1024} * h * 63) {
            heads = h;
            break;
        }
    }
    uint64_t per_cylinder = uint64_t{heads} * 63;
    uint64_t cylinders = std::clamp<uint64_t>((sectors + per_cylinder - 1) / per_cylinder, 1, 1024);
    return {static_cast<uint32_t>(cylinders), heads, 63, 0};
}

BiosDisk::BiosDisk(std::string path, int fd, uint64_t size, bool writable)
    : path_(std::move(path)),
      fd_(fd),
      size_(size),
      sector_count_((size + kSectorSize - 1) / kSectorSize),
      writable_(writable),
      geometry_(geometry_for(size)) {}

BiosDisk::~BiosDisk() {
    if (fd_ >= 0) ::close(fd_);
}

Result<std::shared_ptr<BiosDisk>> BiosDisk::open(const std::string& path, bool writable) {
    int fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return error("{}: cannot open the disk image{}: {}", path, writable ? " for writing" : "",
                     std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
        ::close(fd);
        return error("{}: the disk image is empty or cannot be read", path);
    }
    return std::shared_ptr<BiosDisk>(
        new BiosDisk(path, fd, static_cast<uint64_t>(st.st_size), writable));
}

std::optional<uint64_t> BiosDisk::chs_to_lba(uint32_t c, uint32_t h, uint32_t s) const {
    if (c >= geometry_.cylinders || h >= geometry_.heads || s == 0 || s > geometry_.sectors)
        return std::nullopt;
    return (uint64_t{c} * geometry_.heads + h) * geometry_.sectors + s - 1;
}

Result<void> BiosDisk::read_file(uint64_t lba, std::span<uint8_t> out) const {
    uint64_t offset = lba * kSectorSize;
    size_t done = 0;
    while (done < out.size()) {
        ssize_t n =
            ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return error("{}: read failed: {}", path_, std::strerror(errno));
        }
        if (n == 0) break;  // end of file inside the last, partial sector
        done += static_cast<size_t>(n);
    }
    std::fill(out.begin() + static_cast<ptrdiff_t>(done), out.end(), 0);
    return {};
}

Result<void> BiosDisk::read(uint64_t lba, std::span<uint8_t> out) {
    uint64_t count = out.size() / kSectorSize;
    if (lba > sector_count_ || count > sector_count_ - lba)
        return error("{}: sectors {}+{} are past the end ({} sectors)", path_, lba, count,
                     sector_count_);
    TRY(read_file(lba, out));
    if (!overlay_.empty()) {
        for (uint64_t i = 0; i < count; ++i) {
            auto it = overlay_.find(lba + i);
            if (it != overlay_.end())
                std::copy(it->second.begin(), it->second.end(), out.begin() + i * kSectorSize);
        }
    }
    return {};
}

Result<void> BiosDisk::write(uint64_t lba, std::span<const uint8_t> in) {
    uint64_t count = in.size() / kSectorSize;
    if (lba > sector_count_ || count > sector_count_ - lba)
        return error("{}: sectors {}+{} are past the end ({} sectors)", path_, lba, count,
                     sector_count_);
    if (write_protected_) return error("{}: the disk is write-protected", path_);
    if (!writable_) {
        for (uint64_t i = 0; i < count; ++i) {
            auto& sector = overlay_[lba + i];
            std::copy_n(in.begin() + i * kSectorSize, kSectorSize, sector.begin());
        }
        return {};
    }
    // A partial last sector of the file grows the file to a whole sector, as a block device
    // would not; keep the image's size instead.
    uint64_t offset = lba * kSectorSize;
    size_t length = static_cast<size_t>(std::min<uint64_t>(in.size(), size_ - offset));
    size_t done = 0;
    while (done < length) {
        ssize_t n =
            ::pwrite(fd_, in.data() + done, length - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return error("{}: write failed: {}", path_, std::strerror(errno));
        }
        done += static_cast<size_t>(n);
    }
    return {};
}

Result<void> BiosDisk::flush() {
    if (writable_ && ::fdatasync(fd_) != 0)
        return error("{}: fdatasync failed: {}", path_, std::strerror(errno));
    return {};
}

std::array<uint8_t, 11> diskette_parameter_table(const DiskGeometry& geometry) {
    // Offsets (RBIL INT 1E): 0 specify 1 (step rate, head unload), 1 specify 2 (head load, DMA),
    // 2 motor-off delay in ticks, 3 bytes per sector (2 = 512), 4 sectors per track, 5 gap
    // length, 6 data length, 7 format gap length, 8 format fill byte, 9 head settle ms, 10 motor
    // start time in 1/8 s.
    return {0xaf, 0x02, 0x25, 0x02, static_cast<uint8_t>(geometry.sectors), 0x1b, 0xff,
            0x6c, 0xf6, 0x0f, 0x08};
}

}  // namespace svm
