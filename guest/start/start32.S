/*
 * 32-bit start file for svm's flat protected-mode and ELF32 starts (docs/guests.md): svm enters
 * here in protected mode, paging off, interrupts off, CS = 0x18, data selectors 0x10, with
 * EBX = the machine table and EAX = SVM_BOOT_MAGIC. Save the entry registers, switch to our own
 * stack and call kmain(machine table) with the cdecl convention. If kmain returns, exit with
 * code 0 through SVM_HC_EXIT.
 */
#include "lib/abi_asm.h"

    .section .text.start, "ax"
    .code32
    .global _start
    .type _start, @function
_start:
    mov %eax, boot_regs + BOOT_REGS_AX
    mov %ebx, boot_regs + BOOT_REGS_BX
    mov %edi, boot_regs + BOOT_REGS_DI
    mov %esi, boot_regs + BOOT_REGS_SI
    mov %esp, boot_regs + BOOT_REGS_SP
    mov %cs, boot_regs + BOOT_REGS_CS
    mov %ds, boot_regs + BOOT_REGS_DS
    mov %es, boot_regs + BOOT_REGS_ES
    mov %ss, boot_regs + BOOT_REGS_SS
    mov %fs, boot_regs + BOOT_REGS_FS
    mov %gs, boot_regs + BOOT_REGS_GS

    mov $boot_stack_top, %esp
    xor %ebp, %ebp
    push %ebx
    call kmain
    add $4, %esp

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
