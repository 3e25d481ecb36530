/*
 * vga_text.elf's entry, in the OSDev wiki "Bare Bones" style: a Multiboot 1 header (ALIGN |
 * MEMINFO), a 16 KiB stack, and _start calling kernel_main(magic, mbi), then halting.
 * Multiboot Specification 0.6.96, 3.1.1 (header) and 3.2 (machine state).
 */
.set ALIGN,    1<<0
.set MEMINFO,  1<<1
.set FLAGS,    ALIGN | MEMINFO
.set MAGIC,    0x1BADB002
.set CHECKSUM, -(MAGIC + FLAGS)

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
    push %ebx /* Multiboot information structure */
    push %eax /* 0x2BADB002 */
    call kernel_main
    cli
1:  hlt
    jmp 1b
.size _start, . - _start

.section .note.GNU-stack, "", @progbits
