// int 0x13, the disk BIOS, on the images in ctx.disks (BiosDisk). Sources: Ralf Brown's Interrupt
// List, INT 13; OSDev wiki "Disk access using the BIOS (INT 13h)" and "ATA in x86 RealMode
// (BIOS)"; Phoenix "BIOS Enhanced Disk Drive Specification" 3.0 (the extensions, AH=0x41-0x48).
//
// Status codes (AH, with CF set; also stored at BDA 0x441 for floppies, 0x474 for hard disks):
// 0x01 invalid function or parameter, also for a drive number with no disk (as SeaBIOS does;
// some BIOSes time out with 0x80 for a missing floppy), 0x03 write-protected, 0x04 sector not
// found (outside the geometry's or the image's end), 0x09 a CHS transfer that would wrap its
// buffer's 64 KiB segment ("DMA boundary"), 0x20 the buffer is not guest RAM or the host file
// failed ("controller failure").
#include <algorithm>
#include <vector>

#include "core/bios/bios_data_area.h"
#include "core/bios/bios_disk_image.h"
#include "core/bios/bios_registers.h"
#include "core/bios/bios_services.h"

namespace svm {

namespace {

using namespace bios;

constexpr uint8_t kInvalid = 0x01;
constexpr uint8_t kWriteProtected = 0x03;
constexpr uint8_t kSectorNotFound = 0x04;
constexpr uint8_t kDmaBoundary = 0x09;
constexpr uint8_t kControllerFailure = 0x20;

uint64_t status_address(uint8_t drive) {
    return drive & 0x80 ? bda::kDiskLastStatus : bda::kFloppyLastStatus;
}

// Ends a call: AH = status, CF = status != 0, and the BDA's last status.
BiosOutcome finish(CpuState& regs, BiosContext& ctx, uint8_t drive, uint8_t status) {
    if (status)
        fail(regs, status);
    else
        succeed(regs);
    bda::write8(ctx.memory, status_address(drive), status);
    return BiosOutcome::Done;
}

uint8_t drives_of_kind(const BiosContext& ctx, bool hard) {
    return static_cast<uint8_t>(std::count_if(ctx.disks.begin(), ctx.disks.end(), [&](auto& d) {
        return d.second && ((d.first & 0x80) != 0) == hard;
    }));
}

// Moves `count` sectors between `disk` at `lba` and guest RAM at `gpa`: reads (write = false)
// land in RAM, writes come from it. Returns the int 0x13 status.
uint8_t transfer(BiosContext& ctx, BiosDisk& disk, bool write, uint64_t lba, uint64_t count,
                 uint64_t gpa) {
    if (lba > disk.sector_count() || count > disk.sector_count() - lba) return kSectorNotFound;
    if (write && disk.write_protected()) return kWriteProtected;
    uint64_t bytes = count * BiosDisk::kSectorSize;
    if (!ctx.memory.contains(gpa, bytes)) return kControllerFailure;
    auto buffer = ctx.memory.span(gpa, bytes);
    if (!buffer) return kControllerFailure;
    auto done = write ? disk.write(lba, *buffer) : disk.read(lba, *buffer);
    return done ? 0 : kControllerFailure;
}

// AH=0x02/0x03/0x04: AL sectors from cylinder CH + CL bits 7:6 (high bits), sector CL bits 5:0,
// head DH, to/from ES:BX. AL returns the sectors transferred (all or none).
BiosOutcome chs_access(CpuState& regs, BiosContext& ctx, BiosDisk& disk, uint8_t drive,
                       uint8_t function) {
    uint8_t count = lo8(regs.rax);
    uint32_t cylinder = hi8(regs.rcx) | (uint32_t{lo8(regs.rcx)} & 0xc0) << 2;
    uint32_t sector = lo8(regs.rcx) & 0x3f;
    uint32_t head = hi8(regs.rdx);
    set_lo8(regs.rax, 0);
    if (count == 0) return finish(regs, ctx, drive, kInvalid);
    auto lba = disk.chs_to_lba(cylinder, head, sector);
    if (!lba) return finish(regs, ctx, drive, kSectorNotFound);
    if (function == 0x04) {  // verify: the sectors exist
        bool inside = *lba + count <= disk.sector_count();
        if (inside) set_lo8(regs.rax, count);
        return finish(regs, ctx, drive, inside ? 0 : kSectorNotFound);
    }
    uint16_t offset = lo16(regs.rbx);
    if (uint32_t{offset} + uint32_t{count} * BiosDisk::kSectorSize > 0x10000)
        return finish(regs, ctx, drive, kDmaBoundary);
    uint8_t status =
        transfer(ctx, disk, function == 0x03, *lba, count, real_address(regs.es, offset));
    if (status == 0) set_lo8(regs.rax, count);
    return finish(regs, ctx, drive, status);
}

// The disk address packet at DS:SI (EDD 3.0, 3.2; RBIL INT 13/AH=42h), parsed once.
struct AddressPacket {
    uint64_t gpa = 0;  // where it is, to write the transferred count back
    uint16_t count = 0;
    uint64_t buffer = 0;  // guest-physical
    uint64_t lba = 0;
};

std::optional<AddressPacket> read_packet(const CpuState& regs, const BiosContext& ctx) {
    AddressPacket p;
    p.gpa = real_address(regs.ds, lo16(regs.rsi));
    uint8_t raw[0x18] = {};
    if (!ctx.memory.read(p.gpa, std::span(raw, 0x10))) return std::nullopt;
    uint8_t size = raw[0];
    if (size < 0x10) return std::nullopt;
    auto le = [&](int at, int bytes) {
        uint64_t v = 0;
        for (int i = bytes - 1; i >= 0; --i) v = v << 8 | raw[at + i];
        return v;
    };
    p.count = static_cast<uint16_t>(le(2, 2));
    uint32_t far = static_cast<uint32_t>(le(4, 4));
    p.lba = le(8, 8);
    if (far == 0xffffffff && size >= 0x18) {  // the 64-bit flat buffer address at 0x10
        if (!ctx.memory.read(p.gpa + 0x10, std::span(raw + 0x10, 8))) return std::nullopt;
        p.buffer = le(0x10, 8);
    } else {
        p.buffer = real_address(static_cast<uint16_t>(far >> 16), static_cast<uint16_t>(far));
    }
    return p;
}

// AH=0x42/0x43/0x44/0x47: the packet's count of sectors at its LBA; the buffer is the physical
// range from seg * 16 + off (an EDD BIOS transfers by physical address, so no segment wrap
// check here). On return the packet's count is the sectors transferred.
BiosOutcome extended_access(CpuState& regs, BiosContext& ctx, BiosDisk& disk, uint8_t drive,
                            uint8_t function) {
    auto packet = read_packet(regs, ctx);
    if (!packet) return finish(regs, ctx, drive, kInvalid);
    uint8_t status = 0;
    if (function == 0x42 || function == 0x43) {
        status = transfer(ctx, disk, function == 0x43, packet->lba, packet->count, packet->buffer);
    } else if (packet->lba > disk.sector_count() ||
               packet->count > disk.sector_count() - packet->lba) {
        status = kSectorNotFound;
    }
    if (status) bda::write16(ctx.memory, packet->gpa + 2, 0);
    return finish(regs, ctx, drive, status);
}

// AH=0x08: CH = max cylinder (low 8 bits), CL = max sector | max cylinder bits 9:8 << 6,
// DH = max head, DL = number of drives of this kind; floppies also BL = drive type and
// ES:DI = the diskette parameter table (the far pointer in the int 0x1E vector).
BiosOutcome parameters(CpuState& regs, BiosContext& ctx, BiosDisk& disk, uint8_t drive) {
    const DiskGeometry& g = disk.geometry();
    uint32_t max_cylinder = g.cylinders - 1;
    set_hi8(regs.rcx, static_cast<uint8_t>(max_cylinder));
    set_lo8(regs.rcx, static_cast<uint8_t>((g.sectors & 0x3f) | (max_cylinder >> 2 & 0xc0)));
    set_hi8(regs.rdx, static_cast<uint8_t>(g.heads - 1));
    set_lo8(regs.rdx, drives_of_kind(ctx, drive & 0x80));
    set_lo8(regs.rax, 0);
    if (!(drive & 0x80)) {
        set_lo8(regs.rbx, g.floppy_type ? g.floppy_type : 4);
        uint32_t vector = bda::read32(ctx.memory, 0x1e * 4);
        regs.es.selector = static_cast<uint16_t>(vector >> 16);
        regs.es.base = uint64_t{regs.es.selector} * 16;
        set_lo16(regs.rdi, static_cast<uint16_t>(vector));
    }
    return finish(regs, ctx, drive, 0);
}

// AH=0x48: the EDD result buffer at DS:SI, whose first word is its size (at least 0x1A; 0x1E
// adds the EDD configuration pointer, FFFF:FFFF = none).
BiosOutcome extended_parameters(CpuState& regs, BiosContext& ctx, BiosDisk& disk, uint8_t drive) {
    uint64_t gpa = real_address(regs.ds, lo16(regs.rsi));
    uint16_t size = bda::read16(ctx.memory, gpa);
    if (size < 0x1a || !ctx.memory.contains(gpa, size >= 0x1e ? 0x1e : 0x1a))
        return finish(regs, ctx, drive, kInvalid);
    const DiskGeometry& g = disk.geometry();
    uint16_t written = size >= 0x1e ? 0x1e : 0x1a;
    // Flags: bit 1 CHS information valid, bit 2 removable (floppies).
    uint16_t flags = 0x02 | (disk.is_floppy() ? 0x04 : 0);
    bda::write16(ctx.memory, gpa, written);
    bda::write16(ctx.memory, gpa + 2, flags);
    bda::write32(ctx.memory, gpa + 4, g.cylinders);
    bda::write32(ctx.memory, gpa + 8, g.heads);
    bda::write32(ctx.memory, gpa + 12, g.sectors);
    (void)ctx.memory.write_obj<uint64_t>(gpa + 16, disk.sector_count());
    bda::write16(ctx.memory, gpa + 24, BiosDisk::kSectorSize);
    if (written == 0x1e) bda::write32(ctx.memory, gpa + 26, 0xffffffff);
    return finish(regs, ctx, drive, 0);
}

}  // namespace

BiosOutcome bios_disk(CpuState& regs, BiosContext& ctx) {
    uint8_t function = hi8(regs.rax);
    uint8_t drive = lo8(regs.rdx);
    auto it = ctx.disks.find(drive);
    BiosDisk* disk = it != ctx.disks.end() ? it->second.get() : nullptr;
    switch (function) {
        case 0x01: {  // AH = status of the last call on this kind of drive
            uint8_t status = bda::read8(ctx.memory, status_address(drive));
            set_hi8(regs.rax, status);
            set_carry(regs, status != 0);
            return BiosOutcome::Done;
        }
        case 0x15:  // AH = 0 no such drive, 1 floppy without change line, 3 hard disk
            if (!disk) {
                succeed(regs);
                return BiosOutcome::Done;
            }
            if (disk->is_floppy() || !(drive & 0x80)) {
                set_hi8(regs.rax, 0x01);
            } else {
                set_hi8(regs.rax, 0x03);  // CX:DX = sectors
                uint64_t n = std::min<uint64_t>(disk->sector_count(), 0xffffffff);
                set_lo16(regs.rcx, static_cast<uint16_t>(n >> 16));
                set_lo16(regs.rdx, static_cast<uint16_t>(n));
            }
            set_carry(regs, false);
            return BiosOutcome::Done;
        case 0x00:
        case 0x02:
        case 0x03:
        case 0x04:
        case 0x08:
        case 0x0c:
        case 0x0d:
        case 0x10:
        case 0x11:
        case 0x41:
        case 0x42:
        case 0x43:
        case 0x44:
        case 0x47:
        case 0x48:
            break;
        default:
            fail(regs, kInvalid);
            bda::write8(ctx.memory, status_address(drive), kInvalid);
            return BiosOutcome::Unsupported;
    }
    if (!disk) return finish(regs, ctx, drive, kInvalid);
    switch (function) {
        case 0x02:
        case 0x03:
        case 0x04:
            return chs_access(regs, ctx, *disk, drive, function);
        case 0x0c: {  // seek: the cylinder and head exist
            uint32_t cylinder = hi8(regs.rcx) | (uint32_t{lo8(regs.rcx)} & 0xc0) << 2;
            bool ok = disk->chs_to_lba(cylinder, hi8(regs.rdx), 1).has_value();
            return finish(regs, ctx, drive, ok ? 0 : kSectorNotFound);
        }
        case 0x08:
            return parameters(regs, ctx, *disk, drive);
        case 0x41:  // EDD present: BX = 0xAA55, AH = 0x30 (EDD 3.0), CX bit 0 = AH 0x42-0x48
            if (lo16(regs.rbx) != 0x55aa) return finish(regs, ctx, drive, kInvalid);
            set_lo16(regs.rbx, 0xaa55);
            set_lo16(regs.rcx, 0x0001);
            set_hi8(regs.rax, 0x30);
            set_carry(regs, false);
            return BiosOutcome::Done;
        case 0x42:
        case 0x43:
        case 0x44:
        case 0x47:
            return extended_access(regs, ctx, *disk, drive, function);
        case 0x48:
            return extended_parameters(regs, ctx, *disk, drive);
        default:
            return finish(regs, ctx, drive, 0);  // reset, test ready, recalibrate
    }
}

}  // namespace svm
