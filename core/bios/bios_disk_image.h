// A disk image file as an int 0x13 drive: its size in 512-byte sectors, the CHS geometry a BIOS
// would report for it, and sector reads and writes. Read-only images keep the guest's writes in
// an in-memory copy-on-write overlay (the file never changes; the writes last until svm exits);
// writable images write through to the file with pwrite.
//
// Geometry (OSDev wiki "Disk access using the BIOS (INT 13h)"; Phoenix "BIOS Enhanced Disk Drive
// Specification" and the LBA-assist translation of the Microsoft/Phoenix "Enhanced Disk Drive"
// documents): an image of a standard floppy size gets that floppy's geometry (360K: 40/2/9,
// 720K: 80/2/9, 1.2M: 80/2/15, 1.44M: 80/2/18, 2.88M: 80/2/36); any other size is a hard disk
// with 63 sectors per track and 16, 32, 64, 128 or 255 heads, the fewest that keep the
// cylinders at 1024 or below; cylinders = size / (heads * 63 * 512) rounded up (so the last,
// partial cylinder is addressable; its sectors past the image read as "sector not found"),
// at least 1, at most 1024 (the rest is reachable by LBA through the extended functions).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "core/result.h"

namespace svm {

struct DiskGeometry {
    uint32_t cylinders = 0;
    uint32_t heads = 0;
    uint32_t sectors = 0;  // per track; sector numbers run from 1
    // The int 0x13 AH=0x08 BL floppy drive type (1 = 360K, 2 = 1.2M, 3 = 720K, 4 = 1.44M,
    // 6 = 2.88M), 0 for a hard disk.
    uint8_t floppy_type = 0;

    bool operator==(const DiskGeometry&) const = default;
};

class BiosDisk {
public:
    static constexpr uint32_t kSectorSize = 512;

    // Opens the image at `path`: read-only with a copy-on-write overlay, or (writable) read-write
    // with writes reaching the file. Returns an error naming the file if it cannot be opened or
    // is empty.
    static Result<std::shared_ptr<BiosDisk>> open(const std::string& path, bool writable);

    BiosDisk(const BiosDisk&) = delete;
    BiosDisk& operator=(const BiosDisk&) = delete;
    ~BiosDisk();  // closes the file (no fdatasync: call flush() first for that)

    // The geometry for an image of `size_bytes` (rules above).
    static DiskGeometry geometry_for(uint64_t size_bytes);

    const std::string& path() const { return path_; }
    const DiskGeometry& geometry() const { return geometry_; }
    bool is_floppy() const { return geometry_.floppy_type != 0; }
    bool writable() const { return writable_; }
    // The image's size in whole sectors (a trailing partial sector reads as if zero-padded and
    // counts as one).
    uint64_t sector_count() const { return sector_count_; }

    // A write-protected disk fails writes (int 0x13 status 0x03) instead of taking them into
    // the overlay or the file: a floppy with its write-protect tab set.
    void set_write_protected(bool on) { write_protected_ = on; }
    bool write_protected() const { return write_protected_; }

    // The LBA of cylinder `c`, head `h`, sector `s` (1-based), or nullopt if the address lies
    // outside the geometry. (LBA = (c * heads + h) * sectors + s - 1.)
    std::optional<uint64_t> chs_to_lba(uint32_t c, uint32_t h, uint32_t s) const;

    // Reads `out.size() / 512` sectors from `lba` (out.size() a multiple of 512). Returns an
    // error if the range runs past the end of the image or the file read fails.
    Result<void> read(uint64_t lba, std::span<uint8_t> out);
    // Writes `in.size() / 512` sectors at `lba`: to the overlay (read-only image) or the file.
    // Returns an error past the end, on a write-protected disk, or if pwrite fails.
    Result<void> write(uint64_t lba, std::span<const uint8_t> in);
    // fdatasync for a writable image; nothing for a read-only one.
    Result<void> flush();

private:
    BiosDisk(std::string path, int fd, uint64_t size, bool writable);
    Result<void> read_file(uint64_t lba, std::span<uint8_t> out) const;

    std::string path_;
    int fd_ = -1;
    uint64_t size_ = 0;  // bytes in the file
    uint64_t sector_count_ = 0;
    bool writable_ = false;
    bool write_protected_ = false;
    DiskGeometry geometry_;
    // Sectors written to a read-only image, by LBA.
    std::unordered_map<uint64_t, std::array<uint8_t, kSectorSize>> overlay_;
};

// The 11-byte diskette parameter table (the one int 0x1E points at) for a floppy of
// `geometry`, with the IBM PC/AT values SeaBIOS uses (RBIL INT 1E; sectors per track at offset
// 4, gap length, data length 0xFF, format gap, fill byte 0xF6, head settle 15 ms, motor start
// 1/8 s).
std::array<uint8_t, 11> diskette_parameter_table(const DiskGeometry& geometry);

}  // namespace svm
