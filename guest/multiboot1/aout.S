/*
 * multiboot1-aout.bin: a flat (non-ELF) Multiboot 1 kernel. Header flag bit 16 tells the loader
 * to use the address fields instead of ELF headers (the "a.out kludge", Multiboot Specification
 * 0.6.96, 3.1.3): load the file from header_addr - (header_addr - load_addr) up to load_end_addr,
 * zero up to bss_end_addr, jump to entry_addr. Prints "aout kludge ok" over COM1 if EAX held the
 * Multiboot magic and BSS was zeroed, and exits with 0 (1 otherwise).
 */
#include "lib/abi_asm.h"

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS ((1 << 1) | (1 << 16)) /* MEMINFO | address fields valid */
#define COM1 0x3F8

    .section .text.start, "ax"
    .code32
    .global _start
    .balign 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long mb_header      /* header_addr */
    .long __image_start  /* load_addr */
    .long __load_end     /* load_end_addr */
    .long __bss_end      /* bss_end_addr */
    .long _start         /* entry_addr */

_start:
    mov $stack_top, %esp
    mov $msg_ok, %esi
    cmp $0x2BADB002, %eax
    jne fail
    cmpl $0, bss_probe
    jne fail
    call com1_puts
    xor %ebx, %ebx
    jmp done
fail:
    mov $msg_bad, %esi
    call com1_puts
    mov $1, %ebx
done:
    mov $ASM_SVM_HC_EXIT, %eax
    mov $ASM_SVM_HYPERCALL_PORT, %dx
    out %eax, %dx
1:  cli
    hlt
    jmp 1b

/* Writes the NUL-terminated string at ESI to COM1, polling LSR bit 5 before each byte. */
com1_puts:
    lodsb
    test %al, %al
    jz 3f
    mov %al, %ah
    mov $(COM1 + 5), %dx
    mov $100000, %ecx
1:  in %dx, %al
    test $0x20, %al
    jnz 2f
    loop 1b
2:  mov $COM1, %dx
    mov %ah, %al
    out %al, %dx
    jmp com1_puts
3:  ret

msg_ok:  .asciz "aout kludge ok\n"
msg_bad: .asciz "aout kludge FAILED (bad magic or bss not zeroed)\n"

    .section .bss
    .balign 16
bss_probe:
    .skip 4
    .balign 16
    .skip 4096
stack_top:

    .section .note.GNU-stack, "", @progbits
