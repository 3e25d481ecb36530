/*
 * exit_loop.bin: the exit round-trip benchmark guest, a 16-bit real-mode flat binary loaded and
 * entered at 0 (CS = 0, IP = 0), so that svm (`svm exit_loop.bin`, docs/machine.md "Entry state")
 * and the benchmark's raw KVM runner can both start it with the same registers.
 *
 * It writes the marker byte 'B' with SVM_HC_PUTCHAR, makes 16 * `iterations` SVM_HC_CPU_INDEX
 * hypercalls, writes 'E', and exits with code 0 through SVM_HC_EXIT. The benchmark times the
 * interval between the two markers and divides it by the number of hypercalls in between.
 *
 * `iterations` follows the 8-byte tag "SVMBLOOP" in the image; the benchmark patches it before it
 * loads the image. The hypercall returns its result in EAX (docs/machine.md "The hypercall port"),
 * so EAX is reloaded before every `out`; EBP, the loop counter, is preserved by the ABI.
 * Real mode needs no page tables, no GDT and no CPUID, which keeps the raw runner minimal.
 */
#include "lib/abi_asm.h"

#define SVM_HC_CPU_INDEX 7
#define UNROLL 16

    .code16
    .section .text.start, "ax"
    .global _start
_start:
    jmp start

    .balign 4
    .ascii "SVMBLOOP"
iterations:
    .long 8192          /* loop count; each iteration makes UNROLL hypercalls */

start:
    mov $ASM_SVM_HYPERCALL_PORT, %dx
    mov $ASM_SVM_HC_PUTCHAR, %eax
    mov $'B', %ebx
    out %eax, %dx

    mov %cs:iterations, %ebp
1:
    .rept UNROLL
    mov $SVM_HC_CPU_INDEX, %eax
    out %eax, %dx
    .endr
    dec %ebp
    jnz 1b

    mov $ASM_SVM_HC_PUTCHAR, %eax
    mov $'E', %ebx
    out %eax, %dx
    mov $ASM_SVM_HC_EXIT, %eax
    xor %ebx, %ebx
    out %eax, %dx
2:  cli
    hlt
    jmp 2b

    .section .note.GNU-stack, "", @progbits
