/*
 * cold_start.elf: the cold-start benchmark guest, the smallest Multiboot 1 kernel that prints.
 * Its first instructions write "cold start\n" to COM1's transmit register (a 16550A accepts a byte
 * in THR without initialisation; svm and QEMU both print it at once), then it exits through
 * SVM_HC_EXIT (svm ends with code 0). Under QEMU the hypercall port does not exist, so the
 * kernel goes on to write 0 to the isa-debug-exit port 0xF4, which ends QEMU (started with
 * -device isa-debug-exit) with exit code 1: both VMMs end on their own, and the benchmark times
 * the whole run from process start to exit.
 *
 * Multiboot Specification 0.6.96, 3.1.1: the header (magic, flags = 0, checksum) within the
 * first 8 KiB, 4-byte aligned; as an ELF32 image no address fields are needed (flag bit 16 clear).
 * 3.2: entered in 32-bit protected mode with flat segments, paging off.
 */
#include "lib/abi_asm.h"

#define COM1 0x3F8
#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS 0

    .section .multiboot, "a"
    .balign 4
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)

    .section .text, "ax"
    .code32
    .global _start
_start:
    mov $COM1, %dx
    mov $message, %esi
    mov $message_end - message, %ecx
    cld
    rep outsb

    mov $ASM_SVM_HYPERCALL_PORT, %dx
    mov $ASM_SVM_HC_EXIT, %eax
    xor %ebx, %ebx
    out %eax, %dx
    mov $0xf4, %dx          /* QEMU: isa-debug-exit, exit code (0 << 1) | 1 */
    xor %eax, %eax
    out %eax, %dx
1:  cli
    hlt
    jmp 1b

    .section .rodata, "a"
message:
    .ascii "cold start\n"
message_end:

    .section .note.GNU-stack, "", @progbits
