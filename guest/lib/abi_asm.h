/*
 * Constants for assembly start files, which cannot include <svm/hypercall.h> or <svm/machine.h>
 * (those declare C structures). lib/abi_check.c asserts at compile time that each value here
 * equals its C definition, so the two cannot drift apart.
 */
#ifndef GUEST_LIB_ABI_ASM_H
#define GUEST_LIB_ABI_ASM_H

#define ASM_SVM_HYPERCALL_PORT 0x500
#define ASM_SVM_HC_EXIT 0
#define ASM_SVM_HC_PUTCHAR 1
#define ASM_SVM_HC_WRITE 2
#define ASM_SVM_HC_PRINT_U32 3
#define ASM_SVM_FMT_HEX 0
#define ASM_SVM_FMT_DEC 1
#define ASM_SVM_BOOT_MAGIC 0x53564D21
#define ASM_SVM_MACHINE_TABLE_ADDR 0x80000
#define ASM_SVM_SEL_CODE64 0x08
#define ASM_SVM_SEL_DATA 0x10

/* struct boot_regs (lib/boot.h) field offsets, in units of the natural word (W) for the first
 * five fields. */
#if defined(__x86_64__)
#define BOOT_W 8
#else
#define BOOT_W 4
#endif
#define BOOT_REGS_AX (0 * BOOT_W)
#define BOOT_REGS_BX (1 * BOOT_W)
#define BOOT_REGS_DI (2 * BOOT_W)
#define BOOT_REGS_SI (3 * BOOT_W)
#define BOOT_REGS_SP (4 * BOOT_W)
#define BOOT_REGS_CS (5 * BOOT_W + 0)
#define BOOT_REGS_DS (5 * BOOT_W + 2)
#define BOOT_REGS_ES (5 * BOOT_W + 4)
#define BOOT_REGS_SS (5 * BOOT_W + 6)
#define BOOT_REGS_FS (5 * BOOT_W + 8)
#define BOOT_REGS_GS (5 * BOOT_W + 10)
#define BOOT_REGS_SIZE (6 * BOOT_W + 8) /* 5 words + 12 bytes, padded to a word */

#endif /* GUEST_LIB_ABI_ASM_H */
