/* Compile-time proof that lib/abi_asm.h matches the C headers. No code. */
#include <stddef.h>
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/abi_asm.h"
#include "lib/boot.h"

_Static_assert(ASM_SVM_HYPERCALL_PORT == SVM_HYPERCALL_PORT, "hypercall port");
_Static_assert(ASM_SVM_HC_EXIT == SVM_HC_EXIT, "SVM_HC_EXIT");
_Static_assert(ASM_SVM_HC_PUTCHAR == SVM_HC_PUTCHAR, "SVM_HC_PUTCHAR");
_Static_assert(ASM_SVM_HC_WRITE == SVM_HC_WRITE, "SVM_HC_WRITE");
_Static_assert(ASM_SVM_HC_PRINT_U32 == SVM_HC_PRINT_U32, "SVM_HC_PRINT_U32");
_Static_assert(ASM_SVM_FMT_HEX == SVM_FMT_HEX, "SVM_FMT_HEX");
_Static_assert(ASM_SVM_FMT_DEC == SVM_FMT_DEC, "SVM_FMT_DEC");
_Static_assert(ASM_SVM_BOOT_MAGIC == SVM_BOOT_MAGIC, "SVM_BOOT_MAGIC");
_Static_assert(ASM_SVM_MACHINE_TABLE_ADDR == SVM_MACHINE_TABLE_ADDR, "machine table address");
_Static_assert(ASM_SVM_SEL_CODE64 == SVM_SEL_CODE64, "SVM_SEL_CODE64");
_Static_assert(ASM_SVM_SEL_DATA == SVM_SEL_DATA, "SVM_SEL_DATA");

_Static_assert(offsetof(struct boot_regs, ax) == BOOT_REGS_AX, "boot_regs.ax");
_Static_assert(offsetof(struct boot_regs, bx) == BOOT_REGS_BX, "boot_regs.bx");
_Static_assert(offsetof(struct boot_regs, di) == BOOT_REGS_DI, "boot_regs.di");
_Static_assert(offsetof(struct boot_regs, si) == BOOT_REGS_SI, "boot_regs.si");
_Static_assert(offsetof(struct boot_regs, sp) == BOOT_REGS_SP, "boot_regs.sp");
_Static_assert(offsetof(struct boot_regs, cs) == BOOT_REGS_CS, "boot_regs.cs");
_Static_assert(offsetof(struct boot_regs, ds) == BOOT_REGS_DS, "boot_regs.ds");
_Static_assert(offsetof(struct boot_regs, es) == BOOT_REGS_ES, "boot_regs.es");
_Static_assert(offsetof(struct boot_regs, ss) == BOOT_REGS_SS, "boot_regs.ss");
_Static_assert(offsetof(struct boot_regs, fs) == BOOT_REGS_FS, "boot_regs.fs");
_Static_assert(offsetof(struct boot_regs, gs) == BOOT_REGS_GS, "boot_regs.gs");
_Static_assert(sizeof(struct boot_regs) == BOOT_REGS_SIZE, "boot_regs size");
