/*
 * hh32.elf's boot code, after the OSDev wiki's "Higher Half x86 Bare Bones": a Multiboot 1 kernel
 * linked at 0xC0100000 and loaded at 1 MiB (hh32/linker.ld). The Multiboot header and _start live
 * in the low .multiboot/.boot sections (virtual = physical), because the loader enters _start with
 * paging off (Multiboot Specification 0.6.96, 3.2). _start builds a page directory of two 4 MiB
 * pages (Intel SDM Vol. 3A, 4.3: CR4.PSE = 1, PDE.PS = 1) that maps both 0-4 MiB and
 * 0xC0000000-0xC03FFFFF to physical 0-4 MiB, turns paging on, and jumps to higher_half_entry,
 * which takes its own (higher-half) stack and calls kmain(magic, mbi).
 *
 * Fallback: nested KVM-PVM hosts refuse CR0.PG outside long mode (the `mov %cr0` raises #GP, for
 * 32-bit paging with or without PSE and for PAE paging alike; see /work/shared/KVM-NOTES.md).
 * _start therefore points every exception vector at no_legacy_paging before it sets CR0.PG. That
 * handler maps the same two ranges with IA-32e 4-level tables (SDM Vol. 3A, 4.5; 2 MiB pages) and
 * enables long mode while CS is still svm's 32-bit code selector, which puts the CPU in
 * compatibility mode (SDM Vol. 3A, 9.8.5): the same 32-bit kernel code then runs unchanged at the
 * same higher-half addresses. hh32_paging records which path ran (1 = 4 MiB pages, 2 = fallback).
 *
 * The identity map stays, so the low boot code keeps running after `mov %cr0` until the jump and a
 * debugger can still read it afterwards.
 */
#include "lib/abi_asm.h"

#define KERNEL_VMA 0xC0000000
#define PHYS(x) ((x) - KERNEL_VMA)
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS ((1 << 0) | (1 << 1)) /* ALIGN | MEMINFO */

#define PTE_P (1 << 0)
#define PTE_RW (1 << 1)
#define PTE_PS (1 << 7)        /* a 4 MiB (32-bit) or 2 MiB (PAE, IA-32e) page */
#define CR4_PSE (1 << 4)
#define CR4_PAE (1 << 5)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define PDE_INDEX(va) ((va) >> 22)
#define IDT_VECTORS 32
#define GATE_INTR32 0x8E00     /* present, DPL 0, 32-bit interrupt gate (SDM Vol. 3A, 6.11) */

    .section .multiboot, "a"
    .balign 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .boot, "ax"
    .code32
    .global _start
    .type _start, @function
_start:
    /* Paging is off: everything is reached at its physical address. EAX (magic) and EBX (MBI)
     * must survive until kmain. */
    mov $PHYS(stack_top), %esp

    /* Every exception vector -> no_legacy_paging, in case this host refuses 32-bit paging. */
    mov $PHYS(boot_idt), %edi
    xor %ecx, %ecx
1:  mov $no_legacy_paging, %edx
    mov %dx, 0(%edi, %ecx, 8)
    mov %cs, %dx
    mov %dx, 2(%edi, %ecx, 8)
    movw $GATE_INTR32, 4(%edi, %ecx, 8)
    mov $no_legacy_paging, %edx
    shr $16, %edx
    mov %dx, 6(%edi, %ecx, 8)
    inc %ecx
    cmp $IDT_VECTORS, %ecx
    jne 1b
    lidt boot_idtr

    /* Two 4 MiB pages: 0-4 MiB and 0xC0000000-0xC03FFFFF, both to physical 0. */
    mov $PHYS(boot_page_directory), %edi
    movl $(0x00000000 | PTE_PS | PTE_RW | PTE_P), 4 * PDE_INDEX(0)(%edi)
    movl $(0x00000000 | PTE_PS | PTE_RW | PTE_P), 4 * PDE_INDEX(KERNEL_VMA)(%edi)
    mov %edi, %cr3

    mov %cr4, %ecx
    or $CR4_PSE, %ecx
    mov %ecx, %cr4

    mov %cr0, %ecx
    or $(CR0_PG | CR0_WP), %ecx
    mov %ecx, %cr0
    movl $1, PHYS(hh32_paging)

enter_higher_half:
    lidt no_idtr /* from here on a fault triple-faults, as before _start */
    /* An absolute jump: higher_half_entry is linked at 0xC01xxxxx. */
    lea higher_half_entry, %ecx
    jmp *%ecx
    .size _start, . - _start

    /* Reached through the IDT if `mov %cr0` faulted: paging is still off. */
    .type no_legacy_paging, @function
no_legacy_paging:
    mov $PHYS(stack_top), %esp
    mov %eax, %ebp /* rdmsr/wrmsr clobber EAX and EDX; EBX (MBI) is untouched */

    /* PML4[0] -> PDPT; PDPT[0] and PDPT[3] (0xC0000000) -> one PD of two 2 MiB pages. */
    mov $PHYS(boot_pd), %edi
    movl $(0x000000 | PTE_PS | PTE_RW | PTE_P), 0(%edi)
    movl $(0x200000 | PTE_PS | PTE_RW | PTE_P), 8(%edi)
    mov $PHYS(boot_pdpt), %edi
    movl $(PHYS(boot_pd) + PTE_RW + PTE_P), 0(%edi)
    movl $(PHYS(boot_pd) + PTE_RW + PTE_P), 8 * (KERNEL_VMA >> 30)(%edi)
    mov $PHYS(boot_pml4), %edi
    movl $(PHYS(boot_pdpt) + PTE_RW + PTE_P), 0(%edi)
    mov %edi, %cr3

    mov %cr4, %ecx
    or $CR4_PAE, %ecx
    mov %ecx, %cr4
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %ecx
    or $(CR0_PG | CR0_WP), %ecx
    mov %ecx, %cr0 /* EFER.LMA = 1 with CS.L = 0: compatibility mode */
    movl $2, PHYS(hh32_paging)
    mov %ebp, %eax
    jmp enter_higher_half
    .size no_legacy_paging, . - no_legacy_paging

    .balign 4
boot_idtr:
    .word IDT_VECTORS * 8 - 1
    .long PHYS(boot_idt)
no_idtr:
    .word 0
    .long 0

    .section .text
    .global higher_half_entry
    .type higher_half_entry, @function
higher_half_entry:
    mov $stack_top, %esp
    xor %ebp, %ebp /* ends the frame chain for debugger backtraces */
    push %ebx      /* Multiboot information structure (physical, identity-mapped) */
    push %eax      /* 0x2BADB002 */
    call kmain
    add $8, %esp

    /* kmain returned: SVM_HC_EXIT with code 0. */
    mov $ASM_SVM_HC_EXIT, %eax
    xor %ebx, %ebx
    mov $ASM_SVM_HYPERCALL_PORT, %dx
    out %eax, %dx
1:  cli
    hlt
    jmp 1b
    .size higher_half_entry, . - higher_half_entry

    .section .bss
    .balign 4096
boot_page_directory: /* 32-bit paging */
    .skip 4096
boot_pml4:           /* the fallback's IA-32e tables */
    .skip 4096
boot_pdpt:
    .skip 4096
boot_pd:
    .skip 4096
boot_idt:
    .skip IDT_VECTORS * 8
    .balign 16
stack_bottom:
    .skip 16384
stack_top:

    .balign 4
    .global hh32_paging
    .type hh32_paging, @object
hh32_paging:
    .skip 4
    .size hh32_paging, 4

    .section .note.GNU-stack, "", @progbits
