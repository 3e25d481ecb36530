/*
 * The framebuffer guests' 32-bit entry (Multiboot 1 and 2 alike, their headers are in
 * mb1_video.S and mb2_video.S): a 16 KiB stack, then fb_main(EAX = the loader's magic, EBX = the
 * boot information), then halt. Multiboot 0.6.96 3.2 and Multiboot2 2.0 3.3 (machine state).
 */
.section .bss
.align 16
stack_bottom:
.skip 16384
stack_top:

.section .text
.code32
.global _start
_start:
    mov $stack_top, %esp
    push %ebx
    push %eax
    call fb_main
1:  cli
    hlt
    jmp 1b

.section .note.GNU-stack, "", @progbits
