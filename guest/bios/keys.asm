; bios_keys.img: prints "keys: type, q ends" on COM1, then reads keys with int 0x16 AH=0x00 (which
; waits for a key with interrupts enabled) and echoes each character to COM1 and to the screen
; (int 0x10 AH=0x0E). 'q' ends the run through isa-debug-exit with value 0x10 (exit status 33).
; Under svm: `svm --stdin keyboard bios_keys.img`; each key press reaches the guest through IRQ1
; and the BIOS's int 0x09 handler.
bits 16
org 0x7C00

start:
    jmp 0:main
main:
    xor ax, ax
    mov ds, ax
    mov si, banner
    call com1_puts
.key:
    xor ah, ah
    int 0x16                ; AH = scan code, AL = ASCII
    test al, al
    jz .key                 ; keys without a character (shift, arrows)
    cmp al, 'q'
    je .quit
    cmp al, 13              ; Enter: a new line
    jne .echo
    mov al, 10
.echo:
    call com1_putc
    mov ah, 0x0E
    xor bx, bx
    int 0x10
    jmp .key
.quit:
    mov si, bye
    call com1_puts
    mov al, 0x10
    jmp debug_exit

banner: db "keys: type, q ends", 10, 0
bye:    db 10, "keys: bye", 10, 0

%include "common.inc"

    times 510 - ($ - $$) db 0
    dw 0xAA55
