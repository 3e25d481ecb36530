; bios_hello.img: the smallest boot sector. Prints "Hello from the boot sector" with int 0x10
; AH=0x0E (teletype), reads the cursor row back (AH=0x03) and copies that screen row from
; B800:0000 to COM1, so the screen can be checked through the serial port too; then ends through
; isa-debug-exit with value 0x10 (exit status 33).
bits 16
org 0x7C00

start:
    xor ax, ax
    mov ds, ax
    mov si, message
    mov ah, 0x0E
    mov bx, 0x0007          ; page 0, light grey
.print:
    lodsb
    test al, al
    jz .printed
    int 0x10
    jmp .print
.printed:
    ; The text mode row the cursor is on (DH), to COM1.
    mov ah, 0x03
    xor bh, bh
    int 0x10
    mov al, 160
    mul dh
    mov si, ax
    mov ax, 0xB800
    mov es, ax
    mov cx, message_length
.copy:
    mov al, [es:si]
    call com1_putc
    add si, 2
    loop .copy
    mov al, 10
    call com1_putc
    mov al, 0x10
    jmp debug_exit

message:
    db "Hello from the boot sector", 0
message_length equ $ - message - 1

%include "common.inc"

    times 510 - ($ - $$) db 0
    dw 0xAA55
