; bios_vesa.img: calls int 0x10 AX=0x4F00 (VESA BIOS Extensions: controller information), which
; svm's BIOS does not provide, prints the returned AX on COM1 ("vesa: AX=004F" where VBE exists,
; as under SeaBIOS) and ends through isa-debug-exit with value 0x10 (exit status 33). svm reports
; the call once: "BIOS int 0x10 AH=0x4F (VESA) at 0000:7C06 is not provided by svm" (the `int` is
; at 0x7C06, checked below).
bits 16
org 0x7C00

start:
    mov di, 0x0600          ; ES:DI = 0000:0600 (ES = 0 at boot), the 512-byte VbeInfoBlock
    mov ax, 0x4F00
vesa_call:
    int 0x10
%if vesa_call - start != 6
    %error "the test expects the int 0x10 at 0x7C06"
%endif
    xor bx, bx
    mov ds, bx
    push ax
    mov si, prefix
    call com1_puts
    pop ax
    call com1_hex16
    mov al, 10
    call com1_putc
    mov al, 0x10
    jmp debug_exit

prefix: db "vesa: AX=", 0

%include "common.inc"

    times 510 - ($ - $$) db 0
    dw 0xAA55
