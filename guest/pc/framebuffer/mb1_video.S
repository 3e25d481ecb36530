/*
 * fb_mb1.elf's header (the entry is entry32.S): a Multiboot 1 header that asks for a linear
 * framebuffer (flags bit 2, "video mode information"; Multiboot Specification 0.6.96, 3.1.1 and
 * 3.1.4: mode_type 0 = linear graphics, then width, height, depth). The address fields (3.1.3) are present only because the
 * video fields follow them; flag bit 16 is clear, so the loader takes the addresses from the ELF.
 */
.set ALIGN,    1<<0
.set MEMINFO,  1<<1
.set VIDEO,    1<<2
#ifdef FB_BGA
/* fb_bga.elf: no video request; the kernel finds and programs the adapter itself. */
.set FLAGS,    ALIGN | MEMINFO
#else
.set FLAGS,    ALIGN | MEMINFO | VIDEO
#endif
.set MAGIC,    0x1BADB002
.set CHECKSUM, -(MAGIC + FLAGS)

.section .multiboot, "a"
.align 4
.long MAGIC
.long FLAGS
.long CHECKSUM
.long 0, 0, 0, 0, 0 /* header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr */
.long 0             /* mode_type: linear graphics */
.long 640           /* width */
.long 480           /* height */
.long 32            /* depth */

.section .note.GNU-stack, "", @progbits
