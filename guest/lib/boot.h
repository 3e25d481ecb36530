/*
 * Registers as svm left them at the guest's first instruction, saved by the start files
 * (start/start64.S, start/start32.S) before they set up their own stack and call kmain.
 */
#ifndef GUEST_LIB_BOOT_H
#define GUEST_LIB_BOOT_H

#include <stdint.h>

struct boot_regs {
    unsigned long ax, bx, di, si, sp; /* natural width: 64-bit or 32-bit */
    uint16_t cs, ds, es, ss, fs, gs;
};

/* Offsets the start files use (lib/boot_asm.h); checked against this struct in lib/abi_check.c. */
extern struct boot_regs boot_regs;

#endif /* GUEST_LIB_BOOT_H */
