/*
 * Real-mode AP trampoline for smp_sipi.elf (see smp/trampoline.h). Assembled into .rodata and
 * copied to TRAMPOLINE_ADDR before use, so every absolute address below is computed for the copy:
 * T(label) = TRAMPOLINE_ADDR + (label - trampoline_start).
 *
 * Real mode to long mode in one step, as the OSDev wiki's "Entering Long Mode Directly" and
 * Intel SDM Vol. 3A, 9.8.5 describe (PAE and CR3 first, then EFER.LME, then CR0.PE and CR0.PG
 * together): nested KVM-PVM hosts refuse CR0.PG without EFER.LME (KVM-NOTES.md), so there is no
 * 32-bit paging step.
 */
#define TRAMPOLINE_ADDR 0x8000
#define T(label) (TRAMPOLINE_ADDR + ((label) - trampoline_start))

#define PARAM_CR3 0
#define PARAM_ENTRY 8
#define PARAM_STACK_BASE 16
#define PARAM_STACK_SIZE 24
#define PARAM_NEXT_SLOT 32

    .section .rodata.trampoline, "a"
    .balign 16
    .global trampoline_start
trampoline_start:
    .code16
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    lgdtl T(tramp_gdtr)

    mov %cr4, %eax
    or $0x20, %eax                    /* CR4.PAE */
    mov %eax, %cr4
    movl T(trampoline_params) + PARAM_CR3, %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx             /* IA32_EFER */
    rdmsr
    or $0x100, %eax                   /* EFER.LME */
    wrmsr
    mov $0x80000011, %eax             /* CR0.PG | CR0.ET | CR0.PE */
    mov %eax, %cr0
    ljmpl $0x08, $T(tramp_long)

    .code64
tramp_long:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs

    mov $1, %eax
    lock xaddl %eax, T(trampoline_params) + PARAM_NEXT_SLOT
    mov %eax, %edi                    /* entry's argument: the slot */
    lea 1(%rax), %rcx
    imul T(trampoline_params) + PARAM_STACK_SIZE, %rcx
    add T(trampoline_params) + PARAM_STACK_BASE, %rcx
    and $-16, %rcx
    mov %rcx, %rsp
    xor %ebp, %ebp
    call *T(trampoline_params) + PARAM_ENTRY
1:  cli
    hlt
    jmp 1b

    .balign 8
tramp_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF          /* 0x08: 64-bit code, DPL 0 */
    .quad 0x00CF92000000FFFF          /* 0x10: flat data */
tramp_gdt_end:
tramp_gdtr:
    .word tramp_gdt_end - tramp_gdt - 1
    .long T(tramp_gdt)

    .balign 8
    .global trampoline_params
trampoline_params:
    .skip 40
    .global trampoline_end
trampoline_end:

    .section .note.GNU-stack, "", @progbits
