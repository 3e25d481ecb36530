/*
 * The virtio guests' and the sample OS's entry: one image that both QEMU's `-kernel` and svm boot as Multiboot 1.
 *
 * QEMU's Multiboot loader (hw/i386/multiboot.c) refuses ELF64 files ("Cannot load x86-64 image,
 * give a 32bit one") unless the header carries load addresses (the "a.out kludge", flags bit 16,
 * Multiboot Specification 0.6.96, 3.1.3), so this header does: QEMU and svm then copy the bytes
 * [load_addr, load_end_addr) from the file, zero up to bss_end_addr and jump to entry_addr in
 * 32-bit protected mode, paging off (3.2). svm passes its machine table in ESI as well.
 *
 * _start builds an identity map of the low 4 GiB with 2 MiB pages (so RAM, the PCI BARs that
 * firmware puts below 4 GiB and the virtio-mmio windows at 0xFEB0xxxx are all reachable; the
 * last GiB, the PCI hole, is mapped uncached), enables PAE, sets EFER.LME, enables paging and
 * far-jumps into 64-bit code (Intel SDM Vol. 3A, 9.8.5 "Initializing IA-32e Mode"), then calls
 * kmain(magic, mbi, esi). If it returns, the CPU halts.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS ((1 << 1) | (1 << 16)) /* memory information, a.out kludge addresses */

    .section .multiboot, "a"
    .balign 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long mb_header       /* header_addr */
    .long __image_start   /* load_addr */
    .long __load_end      /* load_end_addr */
    .long __bss_end       /* bss_end_addr */
    .long _start          /* entry_addr */

    .section .text.start, "ax"
    .code32
    .global _start
    .type _start, @function
_start:
    cli
    mov $boot_stack_top, %esp
    mov %eax, %edi /* Multiboot magic: first argument after the switch */
    mov %esi, %edx /* svm's machine table (or garbage elsewhere): third argument */
    mov %ebx, %esi /* Multiboot information: second argument */

    /* Zero the six table pages (the loader zeroes BSS, but do not rely on it for these). */
    push %edi
    mov $pml4, %edi
    xor %eax, %eax
    mov $(6 * 4096 / 4), %ecx
    rep stosl
    pop %edi

    /* PML4[0] -> PDPT; PDPT[i] -> PD i (i < 4); PD entries: 2 MiB pages, present, writable,
     * page size; the fourth GiB also PCD | PWT. */
    mov $pdpt, %eax
    or $0x3, %eax
    mov %eax, pml4
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $12, %eax
    add $pd, %eax
    or $0x3, %eax
    mov %eax, pdpt(, %ecx, 8)
    inc %ecx
    cmp $4, %ecx
    jne 1b
    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    cmp $1536, %ecx
    jb 3f
    or $0x18, %eax
3:  mov %eax, pd(, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 2b

    mov $pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $(1 << 5), %eax /* CR4.PAE */
    mov %eax, %cr4
    push %edx
    mov $0xC0000080, %ecx /* IA32_EFER */
    rdmsr
    or $(1 << 8), %eax /* EFER.LME */
    wrmsr
    pop %edx
    mov %cr0, %eax
    or $(1 << 31), %eax /* CR0.PG: with LME set, this activates long mode */
    mov %eax, %cr0

    lgdt gdt_pointer
    ljmp $0x08, $long_mode_entry

    .code64
long_mode_entry:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $boot_stack_top, %rsp
    /* EDI, ESI, EDX survived the switch; their upper halves are undefined: clear them. */
    mov %edi, %edi
    mov %esi, %esi
    mov %edx, %edx
    xor %ebp, %ebp
    call kmain
4:  cli
    hlt
    jmp 4b
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
pd:   .skip 4 * 4096
    .balign 16
boot_stack:
    .skip 32768
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
