// QEMU's firmware configuration interface, the x86 I/O port variant (QEMU docs/specs/fw_cfg.rst),
// registered at ports 0x510-0x51B:
//   offset 0-1  selector (16-bit write): selects an item and rewinds its data offset to 0;
//   offset 1    data (8-bit read): the selected item's next byte, 0 past its end; wider reads
//               return consecutive bytes;
//   offset 4-11 DMA address (big-endian 64 bits): a 4-byte write at offset 4 sets the high half,
//               one at offset 8 the low half and starts the transfer; reads return "QEMU CFG".
// Offsets 2-3 do not exist (read 0xFF). Bit 14 of the selector (the old write channel) is
// ignored, as in QEMU since 2.4; no item is writable.
//
// A DMA transfer reads an FWCfgDmaAccess {be32 control; be32 length; be64 address} from guest
// memory, then: SELECT (bit 3) selects the item in control bits 31:16; READ (bit 1) copies
// `length` bytes of the item from the data offset to `address` (zeros past the end); else WRITE
// (bit 4) is refused with ERROR (bit 0), since nothing is writable; else SKIP (bit 2) advances the
// offset. Finally control is written back as 0, or as ERROR when the access structure or the
// buffer is not guest RAM or a write was refused. Guest memory is touched only through the
// injected accessors, which must bounds-check (svm passes GuestMemory's).
//
// Items are generated when selected, so an item reflecting machine state (the memory map) is
// read as it is then, and stays consistent while the guest reads it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "devices/bus_device.h"

namespace svm {

class FwCfg final : public BusDevice {
public:
    static constexpr uint64_t kSize = 12;  // 0x510-0x51B
    // Well-known selectors (QEMU include/standard-headers/linux/qemu_fw_cfg.h).
    static constexpr uint16_t kSignature = 0x0000;
    static constexpr uint16_t kId = 0x0001;
    static constexpr uint16_t kRamSize = 0x0003;
    static constexpr uint16_t kNbCpus = 0x0005;
    static constexpr uint16_t kMaxCpus = 0x000f;
    static constexpr uint16_t kFileDir = 0x0019;
    static constexpr uint16_t kFileFirst = 0x0020;
    static constexpr uint32_t kIdTraditional = 1u << 0;
    static constexpr uint32_t kIdDma = 1u << 1;
    static constexpr size_t kFileNameSize = 56;
    // DMA control bits.
    static constexpr uint32_t kDmaError = 1u << 0;
    static constexpr uint32_t kDmaRead = 1u << 1;
    static constexpr uint32_t kDmaSkip = 1u << 2;
    static constexpr uint32_t kDmaSelect = 1u << 3;
    static constexpr uint32_t kDmaWrite = 1u << 4;

    using Content = std::function<std::vector<uint8_t>()>;
    // Guest-physical memory accessors; return false (and touch nothing) for a range that is not
    // entirely guest RAM.
    struct Memory {
        std::function<bool(uint64_t gpa, std::span<uint8_t> out)> read;
        std::function<bool(uint64_t gpa, std::span<const uint8_t> in)> write;
    };

    // Starts with the signature, ID (traditional and DMA) and an empty file directory.
    explicit FwCfg(Memory memory);

    // Set-up (before any vCPU runs): adds an item at `selector` (replacing one there), or a file
    // named `name` (at most 55 bytes) at the next free selector from 0x20, listed in the file
    // directory. Returns the file's selector.
    void add_item(uint16_t selector, Content content);
    uint16_t add_file(const std::string& name, Content content);

    // ^BusDevice
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    void select_locked(uint16_t selector);
    std::vector<uint8_t> directory() const;
    void run_dma_locked(uint64_t address);

    Memory memory_;
    std::map<uint16_t, Content> items_;
    std::vector<std::pair<std::string, uint16_t>> files_;  // in the order added

    std::mutex mutex_;              // a leaf lock; guards the selection and the DMA address
    std::vector<uint8_t> current_;  // the selected item's bytes (empty for an unknown selector)
    size_t offset_ = 0;
    uint32_t dma_high_ = 0;
};

}  // namespace svm
