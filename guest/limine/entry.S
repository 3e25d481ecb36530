/*
 * Entry stubs of the Limine test guests. The loader enters _start (the BSP) and each released AP's
 * goto_address (limine_ap_entry) with the machine state PROTOCOL.md "Machine State at Entry"
 * promises; these stubs record it before any C code can change a register: they push the 15
 * general-purpose registers and RFLAGS (pushes change neither), so the C side finds a struct
 * limine_entry_frame at RSP and the entry RSP just above it. Then they align the stack to 16
 * bytes, as the SysV ABI wants at a call, and call C. Neither C function returns.
 */
    .macro save_entry_frame
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
    pushfq
    .endm

    .section .text.entry, "ax"
    .code64

    /* The BSP: limine_main(frame). */
    .global _start
    .type _start, @function
_start:
    save_entry_frame
    mov %rsp, %rdi
    and $-16, %rsp
    xor %ebp, %ebp
    call limine_main
1:  cli
    hlt
    jmp 1b
    .size _start, . - _start

    /* A released AP: limine_ap_main(info = RDI as the loader passed it, frame). */
    .global limine_ap_entry
    .type limine_ap_entry, @function
limine_ap_entry:
    save_entry_frame
    mov %rsp, %rsi
    and $-16, %rsp
    xor %ebp, %ebp
    call limine_ap_main
1:  cli
    hlt
    jmp 1b
    .size limine_ap_entry, . - limine_ap_entry

#if BASE_REVISION % 2 == 0
    /* Even revisions ask for _start through the Entry Point request: the ELF entry must then not
     * be used ("Entry Point Feature"); arriving here is a failure. */
    .global limine_elf_entry
    .type limine_elf_entry, @function
limine_elf_entry:
    and $-16, %rsp
    call limine_decoy_main
1:  cli
    hlt
    jmp 1b
    .size limine_elf_entry, . - limine_elf_entry
#else
    .global limine_elf_entry
    .set limine_elf_entry, _start
#endif

    .section .note.GNU-stack, "", @progbits
