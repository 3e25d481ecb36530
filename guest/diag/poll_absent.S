/*
 * poll_absent.elf: a 32-bit Multiboot kernel that waits for an ATA disk the machine does not have:
 * it polls the primary channel's status register (port 0x1F7) until BSY (bit 7) clears, as an
 * ATA PIO driver does (OSDev wiki, "ATA PIO Mode"). An absent port reads as 0xFF, so the loop
 * never ends. svm's --timeout summary must name port 0x1F7 and the ATA controller.
 */
#include "diag/mb32.h"

MULTIBOOT_HEADER

.section .text
.code32
.global _start
_start:
    mov $msg, %esi
    call puts
    mov $0x1f7, %dx
1:  in (%dx), %al
    test $0x80, %al
    jnz 1b
    mov $ready, %esi
    call puts
2:  cli
    hlt
    jmp 2b

DEFINE_PUTS

.section .rodata
msg:   .asciz "waiting for the ATA disk (port 0x1f7, BSY)\n"
ready: .asciz "ATA disk ready\n"

.section .note.GNU-stack, "", @progbits
