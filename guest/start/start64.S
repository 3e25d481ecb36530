/*
 * 64-bit start file for svm's flat long-mode and ELF64 starts (docs/guests.md, "How svm starts
 * each format"): svm enters here in long mode, interrupts off, with RDI = RBX = the machine table
 * and EAX = SVM_BOOT_MAGIC. Save the entry registers for the checks, switch to our own stack,
 * clear RBP so a debugger's backtrace ends here, and call kmain(machine table).
 * If kmain returns, exit with code 0 through SVM_HC_EXIT.
 *
 * Position-independent (RIP-relative) so the same file works at 1 MiB and in the higher half.
 */
#include "lib/abi_asm.h"

    .section .text.start, "ax"
    .code64
    .global _start
    .type _start, @function
_start:
    mov %rax, boot_regs + BOOT_REGS_AX(%rip)
    mov %rbx, boot_regs + BOOT_REGS_BX(%rip)
    mov %rdi, boot_regs + BOOT_REGS_DI(%rip)
    mov %rsi, boot_regs + BOOT_REGS_SI(%rip)
    mov %rsp, boot_regs + BOOT_REGS_SP(%rip)
    mov %cs, boot_regs + BOOT_REGS_CS(%rip)
    mov %ds, boot_regs + BOOT_REGS_DS(%rip)
    mov %es, boot_regs + BOOT_REGS_ES(%rip)
    mov %ss, boot_regs + BOOT_REGS_SS(%rip)
    mov %fs, boot_regs + BOOT_REGS_FS(%rip)
    mov %gs, boot_regs + BOOT_REGS_GS(%rip)

    lea boot_stack_top(%rip), %rsp
    xor %ebp, %ebp
    call kmain

    /* kmain returned: SVM_HC_EXIT with code 0. */
    mov $ASM_SVM_HC_EXIT, %eax
    xor %ebx, %ebx
    mov $ASM_SVM_HYPERCALL_PORT, %dx
    out %eax, %dx
1:  cli
    hlt
    jmp 1b
    .size _start, . - _start

    .section .bss
    .balign 16
    .global boot_regs
    .type boot_regs, @object
boot_regs:
    .skip BOOT_REGS_SIZE
    .size boot_regs, . - boot_regs

    .balign 16
boot_stack:
    .skip 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
