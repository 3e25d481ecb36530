; bios_e820.img: asks int 0x15 EAX=0xE820 for the memory map, prints every entry on COM1 as
; "e820: BASE LENGTH TYPE" (hex; base and length 64-bit, type 32-bit) and then "e820: N entries",
; and ends through isa-debug-exit with value 0x10 (exit status 33); value 0x01 if the first call
; fails.
bits 16
cpu 386
org 0x7C00

BUFFER equ 0x0600

start:
    jmp 0:main
main:
    xor ax, ax
    mov ds, ax
    mov es, ax
    xor ebx, ebx            ; continuation: 0 = first entry
    xor bp, bp              ; entries seen
.next:
    mov eax, 0xE820
    mov edx, 0x534D4150     ; 'SMAP'
    mov ecx, 24
    mov di, BUFFER
    mov dword [BUFFER + 20], 1  ; ACPI 3.0 extended attributes: "valid" if the BIOS ignores them
    int 0x15
    jc .end
    cmp eax, 0x534D4150
    jne .end
    push ebx
    mov si, prefix
    call com1_puts
    mov si, BUFFER + 6      ; base, most significant word first
    call hex64
    mov al, ' '
    call com1_putc
    mov si, BUFFER + 14     ; length
    call hex64
    mov al, ' '
    call com1_putc
    mov ax, [BUFFER + 18]   ; type
    call com1_hex16
    mov ax, [BUFFER + 16]
    call com1_hex16
    mov al, 10
    call com1_putc
    pop ebx
    inc bp
    test ebx, ebx
    jnz .next
.end:
    test bp, bp
    jz .failed
    mov si, prefix
    call com1_puts
    mov ax, bp
    call com1_hex16
    mov si, entries
    call com1_puts
    mov al, 0x10
    jmp debug_exit
.failed:
    mov si, failed
    call com1_puts
    mov al, 0x01
    jmp debug_exit

; Prints the 64-bit value whose most significant word is at DS:SI (little-endian words below).
hex64:
    mov cx, 4
.word:
    mov ax, [si]
    call com1_hex16
    sub si, 2
    loop .word
    ret

prefix:  db "e820: ", 0
entries: db " entries", 10, 0
failed:  db "e820: int 0x15 EAX=0xE820 failed", 10, 0

%include "common.inc"

    times 510 - ($ - $$) db 0
    dw 0xAA55
