/*
 * sti_hlt.elf: a 32-bit Multiboot kernel that waits for an interrupt nothing will ever raise: it
 * masks both 8259 PICs (OCW1 = 0xFF on ports 0x21 and 0xA1), leaves the local APIC timer and the
 * I/O APIC as reset (masked) and the PIT unprogrammed, then executes `sti; hlt`. svm must end the
 * run with exit code 113 and say that no interrupt source is armed.
 */
#include "diag/mb32.h"

MULTIBOOT_HEADER

.section .text
.code32
.global _start
_start:
    cli
    mov $0xff, %al
    out %al, $0x21
    out %al, $0xa1
    mov $msg, %esi
    call puts
1:  sti
    hlt
    jmp 1b

DEFINE_PUTS

.section .rodata
msg: .asciz "waiting for an interrupt with nothing armed\n"

.section .note.GNU-stack, "", @progbits
