/*
 * realmode.bin: a 16-bit real-mode flat binary, loaded and entered at 0 (CS = 0, IP = 0;
 * docs/guests.md). Checks the real-mode entry state, prints "hello from real mode" through COM1
 * (polling LSR) and through port 0xE9, finds the machine table signature at 0x8000:0000, prints a
 * value with a 32-bit-operand hypercall and exits with code 0 through SVM_HC_EXIT.
 *
 * Check lines go to COM1. Registers: SI = string, AL = byte; helpers preserve everything else.
 */
#include "lib/abi_asm.h"

#define COM1 0x3F8
#define COM1_LSR (COM1 + 5)
#define DEBUGCON 0xE9

    .code16
    .section .text.start, "ax"
    .global _start
_start:
    /* Save the entry state before touching anything. CS-relative stores (CS = 0 and we are
     * linked at 0) so a wrong DS cannot misplace them; then DS = 0 for the rest. */
    mov %eax, %cs:entry_eax
    mov %ebx, %cs:entry_ebx
    mov %sp, %cs:entry_sp
    mov %ss, %cs:entry_ss
    mov %es, %cs:entry_es
    mov %fs, %cs:entry_fs
    mov %gs, %cs:entry_gs
    mov %ds, %cs:entry_ds
    mov %di, %cs:entry_di
    xor %ax, %ax
    mov %ax, %ds
    cld

    mov $msg_hello, %si
    call com1_puts
    mov $msg_hello, %si
    call debugcon_puts

    /* CS/IP-relative addressing: the return address of a near call is the next IP, which must
     * equal its link address when CS = 0 and we were loaded at 0. */
    call 1f
1:  pop %ax
    mov $name_ip, %si
    cmp $1b, %ax
    call report

    mov %cs, %ax
    mov $name_cs, %si
    test %ax, %ax
    call report_zf

    /* CS-overridden load of a constant: works only if CS:offset reaches our image. */
    mov %cs:cs_probe, %ax
    mov $name_cs_data, %si
    cmp $0x5a5a, %ax
    call report

    mov $name_ds, %si
    mov entry_ds, %ax
    xor %bx, %bx
    call report_eq
    mov $name_es, %si
    mov entry_es, %ax
    mov $(ASM_SVM_MACHINE_TABLE_ADDR >> 4), %bx
    call report_eq
    mov $name_di, %si
    mov entry_di, %ax
    xor %bx, %bx
    call report_eq
    mov $name_fs, %si
    mov entry_fs, %ax
    call report_eq
    mov $name_gs, %si
    mov entry_gs, %ax
    call report_eq

    mov $name_ss_sp, %si
    cmpw $0x7000, entry_ss
    jne 2f
    cmpw $0xFFF0, entry_sp
2:  call report

    mov $name_eax, %si
    cmpl $ASM_SVM_BOOT_MAGIC, entry_eax
    call report

    mov $name_ebx, %si
    cmpl $ASM_SVM_MACHINE_TABLE_ADDR, entry_ebx
    call report

    /* The machine table signature through the entry ES:DI (0x8000:0000 = physical 0x80000). */
    push %es
    mov entry_es, %ax
    mov %ax, %es
    mov entry_di, %di
    mov $signature, %si
    mov $8, %cx
    repe cmpsb
    pop %es
    mov $name_sig, %si
    call report

    /* A hypercall with 32-bit operands: "hypercall: 0x00080000 1234567890". */
    mov $msg_hypercall, %si
    call hc_puts
    mov $ASM_SVM_HC_PRINT_U32, %eax
    mov entry_ebx, %ebx
    mov $ASM_SVM_FMT_HEX, %ecx
    mov $ASM_SVM_HYPERCALL_PORT, %dx
    out %eax, %dx
    mov $' ', %al
    call hc_putc
    mov $ASM_SVM_HC_PRINT_U32, %eax
    mov $1234567890, %ebx
    mov $ASM_SVM_FMT_DEC, %ecx
    mov $ASM_SVM_HYPERCALL_PORT, %dx
    out %eax, %dx
    mov $'\n', %al
    call hc_putc

    /* Summary and exit code: 0 if every check passed, 1 otherwise. */
    mov $msg_success, %si
    cmpw $0, failures
    je 3f
    mov $msg_failure, %si
3:  call com1_puts
    mov $ASM_SVM_HC_EXIT, %eax
    xor %ebx, %ebx
    cmpw $0, failures
    je 4f
    mov $1, %ebx
4:  mov $ASM_SVM_HYPERCALL_PORT, %dx
    out %eax, %dx
5:  cli
    hlt
    jmp 5b

/* report: prints "check <SI>: ok" if ZF is set, "check <SI>: FAILED (got mismatch, want match)"
 * otherwise. report_zf is the same entry point (a name for call sites that test for zero). */
report_zf:
report:
    pushf
    push %si
    mov $msg_check, %si
    call com1_puts
    pop %si
    call com1_puts
    popf
    mov $msg_ok, %si
    je 1f
    incw failures
    mov $msg_failed, %si
1:  call com1_puts
    ret

/* report_eq: like report, for AX == BX; a failure prints both values:
 * "check <SI>: FAILED (got 0x1234, want 0x0000)". */
report_eq:
    push %si
    mov $msg_check, %si
    call com1_puts
    pop %si
    call com1_puts
    cmp %bx, %ax
    jne 1f
    mov $msg_ok, %si
    call com1_puts
    ret
1:  incw failures
    mov $msg_got, %si
    call com1_puts
    call com1_hex16
    mov $msg_want, %si
    call com1_puts
    mov %bx, %ax
    call com1_hex16
    mov $msg_close, %si
    call com1_puts
    ret

/* com1_hex16: writes AX as 0x-prefixed, 4-digit lowercase hex to COM1. */
com1_hex16:
    push %ax
    push %cx
    push %dx
    push %si
    mov %ax, %dx
    mov $hex_buf + 2, %si
    mov $4, %cx
1:  rol $4, %dx
    mov %dl, %al
    and $0xF, %al
    add $'0', %al
    cmp $'9', %al
    jbe 2f
    add $('a' - '9' - 1), %al
2:  mov %al, (%si)
    inc %si
    loop 1b
    mov $hex_buf, %si
    call com1_puts
    pop %si
    pop %dx
    pop %cx
    pop %ax
    ret

/* com1_puts: writes the NUL-terminated string at SI to COM1, polling LSR bit 5 (THR empty)
 * before each byte, at most 65535 times. */
com1_puts:
    push %ax
    push %cx
    push %dx
    push %si
1:  lodsb
    test %al, %al
    jz 4f
    mov %al, %ah
    mov $COM1_LSR, %dx
    mov $0xFFFF, %cx
2:  in %dx, %al
    test $0x20, %al
    jnz 3f
    loop 2b
3:  mov $COM1, %dx
    mov %ah, %al
    out %al, %dx
    jmp 1b
4:  pop %si
    pop %dx
    pop %cx
    pop %ax
    ret

/* debugcon_puts: writes the string at SI to port 0xE9. */
debugcon_puts:
    push %ax
    push %si
1:  lodsb
    test %al, %al
    jz 2f
    out %al, $DEBUGCON
    jmp 1b
2:  pop %si
    pop %ax
    ret

/* hc_putc: SVM_HC_PUTCHAR of AL, with 32-bit operands. */
hc_putc:
    push %eax
    push %ebx
    push %dx
    movzbl %al, %ebx
    mov $ASM_SVM_HC_PUTCHAR, %eax
    mov $ASM_SVM_HYPERCALL_PORT, %dx
    out %eax, %dx
    pop %dx
    pop %ebx
    pop %eax
    ret

/* hc_puts: the string at SI through hc_putc. */
hc_puts:
    push %ax
    push %si
1:  lodsb
    test %al, %al
    jz 2f
    call hc_putc
    jmp 1b
2:  pop %si
    pop %ax
    ret

    .section .rodata
cs_probe:       .word 0x5a5a
signature:      .ascii "SVMMACH\0"
msg_hello:      .asciz "hello from real mode\n"
msg_check:      .asciz "check "
msg_ok:         .asciz ": ok\n"
msg_failed:     .asciz ": FAILED (got mismatch, want match)\n"
msg_success:    .asciz "SUCCESS\n"
msg_failure:    .asciz "FAILURE\n"
msg_hypercall:  .asciz "hypercall: "
name_ip:        .asciz "ip-relative call"
name_cs:        .asciz "cs is 0"
name_cs_data:   .asciz "cs-relative load"
name_ds:        .asciz "entry ds"
name_es:        .asciz "entry es"
name_di:        .asciz "entry di"
name_fs:        .asciz "entry fs"
name_gs:        .asciz "entry gs"
msg_got:        .asciz ": FAILED (got "
msg_want:       .asciz ", want "
msg_close:      .asciz ")\n"
name_ss_sp:     .asciz "ss:sp is 7000:fff0"
name_eax:       .asciz "entry eax"
name_ebx:       .asciz "entry ebx"
name_sig:       .asciz "machine table signature"

    .section .data
    .balign 4
entry_eax:  .long 0
entry_ebx:  .long 0
entry_sp:   .word 0
entry_ss:   .word 0
entry_es:   .word 0
entry_fs:   .word 0
entry_gs:   .word 0
entry_ds:   .word 0
entry_di:   .word 0
failures:   .word 0
hex_buf:    .asciz "0x0000"

    .section .note.GNU-stack, "", @progbits
