/*
 * Shared by the diagnostics guests (guest/diag): a Multiboot 1 header (ELF kernel, no flags) and
 * a `puts` that writes the NUL-terminated string at ESI to the 0xE9 debug console (svm's, and
 * QEMU's with -debugcon). Multiboot Specification 0.6.96, 3.1.1.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0

#define MULTIBOOT_HEADER                              \
    .section .multiboot, "a";                         \
    .align 4;                                         \
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

/* puts: ESI = string. Clobbers AL, ESI. */
#define DEFINE_PUTS     \
puts:                   \
    lodsb;              \
    test %al, %al;      \
    jz 9f;              \
    out %al, $0xe9;     \
    jmp puts;           \
9:  ret
