/*
 * fb_mb2.elf's header (the entry is entry32.S): a Multiboot 2 header with a framebuffer tag
 * (Multiboot2 Specification 2.0, 3.1.10: type 5, flags 0 = required, preferred width 800, height 600, depth 32) and the
 * end tag (3.1.1). The loader enters in 32-bit protected mode with EAX = 0x36D76289 and EBX =
 * the boot information (3.3).
 */
.set MB2_MAGIC, 0xE85250D6
.set MB2_ARCH_I386, 0
.set HEADER_LENGTH, header_end - header_start

.section .multiboot, "a"
.align 8
header_start:
.long MB2_MAGIC
.long MB2_ARCH_I386
.long HEADER_LENGTH
.long -(MB2_MAGIC + MB2_ARCH_I386 + HEADER_LENGTH)
.align 8
.short 5, 0         /* framebuffer tag, required */
.long 20
.long 800, 600, 32
.align 8
.short 0, 0         /* end tag */
.long 8
header_end:

.section .note.GNU-stack, "", @progbits
