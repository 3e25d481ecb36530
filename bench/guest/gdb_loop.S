/*
 * gdb_loop.elf: the gdb round-trip benchmark guest (bench/gdb_roundtrip), a Multiboot 1 ELF32
 * kernel whose entry calls the function bench_target forever. gdb steps through the loop, breaks
 * on bench_target (`break bench_target`, `ignore 1 999`: 1,000 stops) and dumps memory while it
 * is stopped. It writes no output and never exits: the benchmark kills the VMM.
 *
 * Multiboot Specification 0.6.96, 3.1.1: the header (magic, flags = 0, checksum) within the
 * first 8 KiB, 4-byte aligned; as an ELF32 image no address fields are needed (flag bit 16 clear).
 * 3.2: entered in 32-bit protected mode with flat segments and paging off; ESP is undefined, so
 * the kernel sets its own stack before the first call.
 */
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
    .type _start, @function
_start:
    mov $stack_top, %esp
    xor %ebp, %ebp
1:  call bench_target
    jmp 1b
    .size _start, . - _start

    /* A real (never inlined) function with a frame, so a breakpoint on it is a genuine call. */
    .global bench_target
    .type bench_target, @function
bench_target:
    push %ebp
    mov %esp, %ebp
    incl calls
    pop %ebp
    ret
    .size bench_target, . - bench_target

    /* In .text (the linker script keeps only .text): a counter and a 4 KiB stack. */
    .balign 16
    .global calls
calls:
    .long 0
    .balign 16
stack_bottom:
    .skip 4096
stack_top:

    .section .note.GNU-stack, "", @progbits
