/*
 * multiboot1.elf's boot.s, in the style of the OSDev wiki's "Bare Bones": a Multiboot 1 header
 * asking for page-aligned modules and memory information (ALIGN | MEMINFO), a 16 KiB stack, and
 * _start calling kernel_main(magic, mbi). One addition: it also passes ESI, where svm puts the
 * machine table (docs/guests.md), because the Bare Bones kernel would otherwise lose it.
 * Multiboot Specification 0.6.96, 3.1.1 (header layout) and 3.2 (machine state).
 */
.set ALIGN,    1<<0             /* align loaded modules on page boundaries */
.set MEMINFO,  1<<1             /* provide memory map */
.set FLAGS,    ALIGN | MEMINFO  /* this is the Multiboot 'flag' field */
.set MAGIC,    0x1BADB002       /* 'magic number' lets bootloader find the header */
.set CHECKSUM, -(MAGIC + FLAGS) /* checksum of above, to prove we are multiboot */

.section .multiboot, "a"
.align 4
.long MAGIC
.long FLAGS
.long CHECKSUM

.section .bss
.align 16
stack_bottom:
.skip 16384
stack_top:

.section .text
.code32
.global _start
.type _start, @function
_start:
    mov $stack_top, %esp
    push %esi /* svm's machine table */
    push %ebx /* Multiboot information structure */
    push %eax /* 0x2BADB002 */
    call kernel_main
    cli
1:  hlt
    jmp 1b
.size _start, . - _start

.section .note.GNU-stack, "", @progbits
