/*
 * symphony.elf: a guest written for Hypervisor-Symphony's ports (github.com/Pranab239/
 * Hypervisor-Symphony, part1b/guest.c), as a Multiboot 1 ELF32 kernel in 32-bit protected mode
 * without paging, like Symphony's protected-mode guest. Run it with
 * `svm --compat symphony guest/symphony.elf`. It uses every port:
 *   0xE9 out  "Hello 695!\n" byte by byte
 *   0xEB out  2048 and 4294967295, printed in decimal
 *   0xEC in   the exit count, before and after a 0xEA string print
 *   0xEA out  "CS695 Assignment 2\n" by address
 *   0xED in   the address of "IO in: N\nIO out: M\n"; copied into a buffer, printed through 0xEA
 *   0xEE/0xEF the translation of 1024 (1024: no paging) and of 0xFFFFFFFF
 * and checks: the second exit count is larger than the first; 1024 translates to 1024. It ends
 * through isa-debug-exit (port 0xF4) with 0 if every check passed, 1 otherwise: exit status 1 or
 * 3 ((v << 1) | 1, as under QEMU's -device isa-debug-exit).
 * Under QEMU (no Symphony ports) 0xED reads as all-ones; the guest then skips that part.
 */
.set MAGIC, 0x1BADB002
.set FLAGS, 0
.section .multiboot, "a"
.align 4
.long MAGIC, FLAGS, -(MAGIC + FLAGS)

.section .bss
.align 16
stack_bottom: .skip 4096
stack_top:
buffer: .skip 32

.section .text
.code32
.global _start
_start:
    mov $stack_top, %esp
    xor %edi, %edi              /* EDI = failed checks */

    mov $hello, %esi
1:  lodsb
    test %al, %al
    jz 2f
    out %al, $0xe9
    jmp 1b

2:  mov $2048, %eax
    out %eax, $0xeb
    mov $0xffffffff, %eax
    out %eax, $0xeb

    in $0xec, %eax
    mov %eax, %ebx              /* exits before */
    mov $assignment, %eax
    out %eax, $0xea
    in $0xec, %eax
    mov %eax, %ecx              /* exits after */
    mov %ebx, %eax
    out %eax, $0xeb
    mov %ecx, %eax
    out %eax, $0xeb
    cmp %ebx, %ecx
    ja 3f
    inc %edi
3:
    /* Exit counts by type: copy the string svm publishes, then print the copy by address. */
    in $0xed, %eax
    cmp $0xffffffff, %eax
    je 6f
    mov %eax, %esi
    mov $buffer, %edx
    mov $24, %ecx
4:  movb (%esi), %al
    movb %al, (%edx)
    test %al, %al
    jz 5f
    inc %esi
    inc %edx
    loop 4b
    movb $0, (%edx)
5:  mov $buffer, %eax
    out %eax, $0xea

6:  mov $1024, %eax
    out %eax, $0xee
    in $0xef, %eax
    out %eax, $0xeb
    cmp $1024, %eax
    je 7f
    inc %edi
7:  mov $0xffffffff, %eax
    out %eax, $0xee
    in $0xef, %eax
    out %eax, $0xeb

    test %edi, %edi
    setnz %al
    movzbl %al, %eax
    out %al, $0xf4
8:  cli
    hlt
    jmp 8b

.section .rodata
hello:      .asciz "Hello 695!\n"
assignment: .asciz "CS695 Assignment 2\n"

.section .note.GNU-stack, "", @progbits
