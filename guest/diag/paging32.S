/*
 * paging32.elf: a 32-bit Multiboot kernel that turns on 32-bit paging, as xv6 and every 32-bit
 * higher-half tutorial do: a page directory of 4 MiB pages (CR4.PSE) identity-mapping the first
 * 16 MiB, CR3, then CR0.PG (Intel SDM Vol. 3A, 4.3). It loads an empty IDT first, so a fault is a
 * triple fault at once. On hardware KVM and QEMU it prints "32-bit paging on" and exits through
 * isa-debug-exit with 0 (exit status 1). On nested KVM-PVM hosts, setting CR0.PG without EFER.LME
 * raises #GP: a triple fault, and svm's report must carry the host hint.
 */
#include "diag/mb32.h"

MULTIBOOT_HEADER

.section .bss
.align 4096
page_directory: .skip 4096

.section .text
.code32
.global _start
_start:
    cli
    lidt empty_idt
    mov $msg, %esi
    call puts
    /* PDEs 0-3: 4 MiB pages at 0, 4, 8, 12 MiB; present, writable, PS. */
    mov $page_directory, %edi
    mov $0x83, %eax
    mov $4, %ecx
1:  mov %eax, (%edi)
    add $0x400000, %eax
    add $4, %edi
    loop 1b
    mov %cr4, %eax
    or $0x10, %eax              /* CR4.PSE */
    mov %eax, %cr4
    mov $page_directory, %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or $0x80000000, %eax        /* CR0.PG */
    mov %eax, %cr0
    mov $on, %esi
    call puts
    mov $0, %al
    out %al, $0xf4
2:  hlt
    jmp 2b

DEFINE_PUTS

.section .rodata
.align 8
empty_idt: .word 0
           .long 0
msg: .asciz "enabling 32-bit paging\n"
on:  .asciz "32-bit paging on\n"

.section .note.GNU-stack, "", @progbits
