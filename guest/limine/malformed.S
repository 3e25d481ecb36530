/*
 * Limine guests svm must refuse to boot (tests/kvm/limine_test.cpp): a request id twice
 * (PROTOCOL.md "Request": "The bootloader will refuse to boot an executable with multiple of the
 * same request IDs"), or, with -DBAD_BASE_REVISION, base revision 7, which svm does not implement.
 * If svm boots one anyway, it says so on COM1 and exits with 1.
 */
#define COMMON 0xc7b1dd30df4c8b88, 0x0a82e883a194f07b
#define HHDM_ID 0x48dcf1cb8ad2b852, 0x63984e959a98244b

    .section .limine_requests_start, "aw"
    .balign 8
    .quad 0xf6b8f4b39de7d1ae, 0xfab91a6940fcb9cf, 0x785c6ed015d3e316, 0x181e920a7852b9d9

    .section .limine_requests, "aw"
    .balign 8
    .global limine_base_revision
limine_base_revision:
#ifdef BAD_BASE_REVISION
    .quad 0xf9562b2d5c95a6c8, 0x6a7b384944536bdc, 7
#else
    .quad 0xf9562b2d5c95a6c8, 0x6a7b384944536bdc, 6
    /* Two HHDM requests: id, revision, response. */
    .quad COMMON, HHDM_ID, 0, 0
    .quad COMMON, HHDM_ID, 0, 0
#endif

    .section .limine_requests_end, "aw"
    .balign 8
    .quad 0xadc0e0531bb10d03, 0x9572709f31764c62

    .section .text.entry, "ax"
    .code64
    .global limine_elf_entry
limine_elf_entry:
    movq $1, booted(%rip)
    lea message(%rip), %rsi
    mov $message_end - message, %ecx
    mov $0x3F8, %dx
1:  lodsb
    out %al, %dx
    loop 1b
    mov $0, %eax          /* SVM_HC_EXIT */
    mov $1, %ebx
    mov $0x500, %dx
    out %eax, %dx
2:  cli
    hlt
    jmp 2b

    .section .rodata
message:
    .ascii "FAIL svm booted a malformed Limine executable\n"
message_end:

    /* Something in the data segment, so it is not an empty PT_LOAD at address 0. */
    .section .bss
    .balign 8
booted:
    .skip 8

    .section .note.GNU-stack, "", @progbits
