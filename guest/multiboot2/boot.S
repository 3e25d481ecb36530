/*
 * multiboot2.elf's entry: the classic hobby-OS path from 32-bit Multiboot 2 handover to 64-bit C.
 * The loader enters _start in 32-bit protected mode, paging off (Multiboot Specification 2.0,
 * 3.3 "I386 machine state"); we build our own page tables (identity map of the first 1 GiB with
 * 2 MiB pages), enable PAE, set EFER.LME, enable paging, load our own GDT and far-jump into a
 * 64-bit code segment (Intel SDM Vol. 3A, 9.8.5 "Initializing IA-32e Mode").
 */
#define MB2_MAGIC 0xE85250D6
#define MB2_ARCH_I386 0

    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    /* End tag (type 0, flags 0, size 8). */
    .balign 8
    .short 0
    .short 0
    .long 8
mb2_header_end:

    .section .text.start, "ax"
    .code32
    .global _start
    .type _start, @function
_start:
    mov $boot_stack_top, %esp
    mov %eax, %edi /* magic: first argument of kmain after the switch */
    mov %ebx, %esi /* MBI: second argument */

    /* Zero the page tables (3 pages): the loader zeroes BSS, but a kernel should not rely on it
     * for something this critical. */
    push %edi
    mov $pml4, %edi
    xor %eax, %eax
    mov $(3 * 4096 / 4), %ecx
    rep stosl
    pop %edi

    /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB | present | writable | page size. */
    mov $pdpt, %eax
    or $0x3, %eax
    mov %eax, pml4
    mov $pd, %eax
    or $0x3, %eax
    mov %eax, pdpt
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, pd(, %ecx, 8)
    inc %ecx
    cmp $512, %ecx
    jne 1b

    mov $pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $(1 << 5), %eax /* CR4.PAE */
    mov %eax, %cr4
    mov $0xC0000080, %ecx /* IA32_EFER */
    rdmsr
    or $(1 << 8), %eax /* EFER.LME */
    wrmsr
    mov %cr0, %eax
    or $(1 << 31), %eax /* CR0.PG: with LME set this activates long mode (EFER.LMA) */
    mov %eax, %cr0

    lgdt gdt_pointer
    ljmp $0x08, $long_mode_entry

    .code64
long_mode_entry:
    mov $boot_stack_top, %rsp /* the upper half of RSP is undefined after the switch */
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    /* EDI and ESI survived the switch (upper halves are undefined: clear them). */
    mov %edi, %edi
    mov %esi, %esi
    xor %ebp, %ebp
    call kmain
2:  cli
    hlt
    jmp 2b
    .size _start, . - _start

    .section .rodata
    .balign 8
gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF /* 0x08: 64-bit code, present, DPL 0, L = 1 */
    .quad 0x00CF92000000FFFF /* 0x10: flat data */
gdt_end:
gdt_pointer:
    .short gdt_end - gdt - 1
    .long gdt

    .section .bss
    .balign 4096
pml4: .skip 4096
pdpt: .skip 4096
pd:   .skip 4096
    .balign 16
boot_stack:
    .skip 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
