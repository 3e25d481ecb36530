/*
 * Helpers for the platform guests (fw_cfg, PCI scan, timer calibration): 32-bit Multiboot 1
 * kernels that run unchanged under svm and under QEMU (`-M q35`), printing over COM1.
 * MMIO, the command line, and a finish that powers the machine off through ACPI
 * (PM1a control 0x604 <- 0x2000, svm's and QEMU q35's) on success or leaves through
 * isa-debug-exit (0xF4) on failure.
 */
#ifndef GUEST_PC_PLATFORM_H
#define GUEST_PC_PLATFORM_H

#include <stdint.h>

#include "lib/io.h"

static inline uint32_t mmio_read32(uintptr_t addr) {
    return *(volatile uint32_t*)addr;
}
static inline void mmio_write32(uintptr_t addr, uint32_t v) {
    *(volatile uint32_t*)addr = v;
}
static inline uint32_t bswap32(uint32_t v) {
    return __builtin_bswap32(v);
}

/* Returns the decimal number after "key=" in the command line (a trailing M multiplies by
 * 2^20), or `fallback` when the key is absent. */
uint32_t cmdline_number(const char* cmdline, const char* key, uint32_t fallback);

/* Prints SUCCESS and powers off (svm and QEMU: exit code 0), or FAILURE and writes 1 to
 * isa-debug-exit (svm and QEMU: exit code 3). Never returns. */
__attribute__((noreturn)) void platform_finish(void);

#endif /* GUEST_PC_PLATFORM_H */
