// The Intel MultiProcessor Specification 1.4 tables: the MP floating pointer structure (4.1) and
// the MP configuration table (4.2, 4.3) that xv6 and other teaching kernels read to find their
// CPUs and the I/O APIC.
#pragma once

#include <cstdint>
#include <vector>

namespace svm {

// Size in bytes of the configuration table for `cpu_count` CPUs: the 44-byte header, 20 bytes per
// processor, the ISA bus, the I/O APIC, 16 I/O interrupt and 2 local interrupt entries.
uint64_t mp_config_table_size(int cpu_count);

// The configuration table: a processor entry per CPU (APIC id = index, enabled, the BSP flagged),
// bus 0 "ISA", the I/O APIC at SVM_IOAPIC_ADDR with id `cpu_count` (as in the MADT), ISA IRQ n ->
// I/O APIC pin n for n = 0..15 (KVM's routing, the MADT has no overrides), ExtINT on LINT0 and
// NMI on LINT1 of every local APIC. Checksummed; no extended entries.
std::vector<uint8_t> build_mp_config_table(int cpu_count);

// The 16-byte floating pointer to a configuration table at `config_addr`; checksummed, feature
// byte 1 = 0 (a table is present), IMCR absent (virtual wire mode).
std::vector<uint8_t> build_mp_floating_pointer(uint64_t config_addr);

}  // namespace svm
