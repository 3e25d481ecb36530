/*
 * Interrupt entry stubs for lib/idt.c: one per vector, each pushes a zero error code where the
 * CPU pushes none (SDM Vol. 3A, 6.3.1 table 6-1: vectors 8, 10-14, 17, 21, 29, 30 have one) and
 * the vector number, then jumps to the common path, which saves the general-purpose registers,
 * calls idt_dispatch(frame) and returns with iretq.
 *
 * Stack alignment: the CPU aligns RSP to 16 before pushing its 5-word frame (SDM Vol. 3A,
 * 6.14.2); error code + vector + 15 registers make 17 more words, so RSP is 16-byte aligned again
 * at the call, as the System V ABI requires.
 */
    .section .text.idt_stubs, "ax"
    .code64

    .macro stub vector
    .balign 16
idt_stub_\vector:
    .if (\vector == 8) || ((\vector >= 10) && (\vector <= 14)) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
    .else
    push $0
    .endif
    push $\vector
    jmp idt_common
    .endm

idt_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    cld
    call idt_dispatch
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp /* vector and error code */
    iretq

    .altmacro
    .set i, 0
    .rept 256
    stub %i
    .set i, i + 1
    .endr

    /* The table of stub addresses that idt_install() puts into the gates. */
    .macro stub_addr vector
    .quad idt_stub_\vector
    .endm

    .section .rodata.idt_stubs, "a"
    .balign 8
    .global idt_stub_table
idt_stub_table:
    .set i, 0
    .rept 256
    stub_addr %i
    .set i, i + 1
    .endr

    .section .note.GNU-stack, "", @progbits
