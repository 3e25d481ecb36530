// PCI bus segment 0 as configuration mechanism #1 addresses it: functions by bus, device and
// function number (PCI Local Bus Specification 3.0, 3.2.2.3.2). A slot with no function reads as
// all-ones, which is how a scan recognises an empty slot (vendor ID 0xFFFF, PCI 3.0, 6.2.1).
// Later devices (virtio) register here.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>

#include "devices/legacy/pci_function.h"

namespace svm {

class PciBus {
public:
    // Puts `function` at bus:device.function. Returns false (and changes nothing) if the address
    // is out of range (device > 31, function > 7) or already taken. Call before any vCPU runs.
    bool add(uint8_t bus, uint8_t device, uint8_t function, std::shared_ptr<PciFunction> f);

    // Reads data.size() configuration bytes starting at `offset` of bus:device.function; bytes
    // of an absent function, or past offset 255, read as 0xFF. Thread-safe.
    void read(uint8_t bus, uint8_t device, uint8_t function, unsigned offset,
              std::span<uint8_t> data) const;
    // Writes configuration bytes; writes to an absent function or past offset 255 are dropped
    // (a master abort, PCI 3.0, 3.2.2.3.2). Thread-safe.
    void write(uint8_t bus, uint8_t device, uint8_t function, unsigned offset,
               std::span<const uint8_t> data) const;

private:
    static uint32_t key(uint8_t bus, uint8_t device, uint8_t function) {
        return (uint32_t{bus} << 8) | (uint32_t{device} << 3) | function;
    }
    PciFunction* find(uint8_t bus, uint8_t device, uint8_t function) const;

    std::map<uint32_t, std::shared_ptr<PciFunction>> functions_;  // fixed once vCPUs run
};

}  // namespace svm
