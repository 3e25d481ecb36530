/*
 * context_switch(uint64_t *save_rsp, uint64_t next_rsp): the one place where one kernel thread
 * stops and another continues (as xv6's swtch.S). The System V AMD64 ABI lets a called function
 * clobber every register except RBX, RBP, R12-R15 and RSP, so those are all a thread's state
 * that must survive the call: push them, save RSP, switch to the other thread's RSP, pop its
 * registers and return into wherever it called context_switch() (or, for a new thread, into the
 * address sched.c put on its stack). Called with interrupts off.
 */
    .section .text
    .code64
    .global context_switch
    .type context_switch, @function
context_switch:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi) /* *save_rsp = RSP */
    mov %rsi, %rsp   /* RSP = next_rsp */
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret
    .size context_switch, . - context_switch

    .section .note.GNU-stack, "", @progbits
