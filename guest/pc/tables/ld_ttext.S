/*
 * ld_ttext.elf: a Multiboot 1 kernel linked the way tutorials do it, with a plain
 * `ld -m elf_i386 -Ttext=0x100000` and no linker script. GNU ld then puts the ELF and program
 * headers in a read-only PT_LOAD one page below .text (p_paddr 0xFF000), which GRUB and QEMU
 * load and svm must too. Prints a line over COM1 and leaves through isa-debug-exit with 0 (exit
 * code 1 under svm and QEMU).
 */
.set MAGIC, 0x1BADB002
.set FLAGS, 0x3
.section .text
.code32
.align 4
multiboot_header:
.long MAGIC
.long FLAGS
.long -(MAGIC + FLAGS)

.global _start
_start:
    mov $message, %esi
1:  lodsb
    test %al, %al
    jz 3f
    mov %al, %ah
    mov $0x3FD, %dx          /* COM1 line status: wait for THR empty (bit 5) */
2:  in %dx, %al
    test $0x20, %al
    jz 2b
    mov $0x3F8, %dx
    mov %ah, %al
    out %al, %dx
    jmp 1b
3:  mov $0xF4, %dx           /* isa-debug-exit */
    xor %eax, %eax
    out %al, %dx
4:  hlt
    jmp 4b

.section .rodata
message:
.asciz "ld -Ttext kernel: running at 0x100000\n"

.section .note.GNU-stack, "", @progbits
