/*
 * minikvm.bin: a guest written for mini-kvm's port-0x500 ABI (github.com/seolcu/mini-kvm, the
 * two-step OUT/IN protocol of its real-mode guests): a 16-bit flat binary loaded and entered at 0.
 * Run it with `svm --compat mini-kvm guest/minikvm.bin`. It prints a banner with HC_PUTCHAR
 * (AL = 1, BL = the character), asks for a character with HC_GETCHAR (AL = 2) and reads it with
 * `in` on the same port (0xFF while nothing has been typed: it asks again), echoes it and ends with
 * HC_EXIT (AL = 0), which mini-kvm and svm --compat mini-kvm turn into exit status 0.
 *
 * It also boots as a BIOS boot sector (at 0x7C00; signature at 510), so its port traffic can be
 * checked under QEMU: it moves itself to CS = 0x07C0 when it does not run at offset 0.
 */
#define HYPERCALL_PORT 0x500
#define HC_EXIT 0
#define HC_PUTCHAR 1
#define HC_GETCHAR 2

    .code16
    .section .text.start, "ax"
    .global _start
_start:
    cli
    call 1f
1:  pop %ax
    cmp $1b, %ax
    je 2f
    ljmp $0x07c0, $2f           /* loaded at 0x7C00 by a BIOS: run with offsets from 0 */
2:  mov %cs, %ax
    mov %ax, %ds
    cld

    mov $banner, %si
    call puts

    /* HC_GETCHAR, then `in`: 0xFF means nothing was typed yet. */
3:  mov $HC_GETCHAR, %al
    mov $HYPERCALL_PORT, %dx
    out %al, (%dx)
    in (%dx), %al
    cmp $0xff, %al
    je 3b
    mov %al, got

    mov $echo, %si
    call puts
    mov got, %bl
    call putchar
    mov $tail, %si
    call puts

    mov $HC_EXIT, %al
    mov $HYPERCALL_PORT, %dx
    out %al, (%dx)
4:  hlt                         /* not reached under mini-kvm's ABI */
    jmp 4b

/* putchar: print BL. Clobbers AL, DX. */
putchar:
    mov $HC_PUTCHAR, %al
    mov $HYPERCALL_PORT, %dx
    out %al, (%dx)
    ret

/* puts: print the NUL-terminated string at DS:SI. Clobbers AL, BL, DX, SI. */
puts:
    lodsb
    test %al, %al
    jz 5f
    mov %al, %bl
    call putchar
    jmp puts
5:  ret

banner: .asciz "mini-kvm guest: type a key\n"
echo:   .asciz "mini-kvm guest: got '"
tail:   .asciz "'\n"
got:    .byte 0

    .org 510
    .byte 0x55, 0xaa
