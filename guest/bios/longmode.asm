; bios_longmode.img: a two-stage loader that leaves real mode. The boot sector reads stage 2
; (sectors 2-3) to 0000:7E00 with int 0x13 AH=0x42, enables A20 (port 0x92), enters 32-bit
; protected mode, builds identity-mapped page tables for the first 2 MiB at 0x1000, enables PAE,
; EFER.LME and paging, and jumps to 64-bit code, which prints over COM1 and ends through
; isa-debug-exit with value 0x10 (exit status 33). Value 0x01 if the disk read fails.
bits 16
cpu x64
org 0x7C00

PML4 equ 0x1000             ; PML4, PDPT and PD in three pages at 0x1000-0x3FFF

start:
    jmp 0:main
main:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
    mov ah, 0x42
    mov si, dap
    int 0x13
    jc .read_failed
    mov si, real_mode_done
    call com1_puts
    ; Fast A20 (System Control Port A, bit 1).
    in al, 0x92
    or al, 2
    and al, 0xFE            ; never the fast reset bit
    out 0x92, al
    cli
    lgdt [gdt_descriptor]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp CODE32:protected_mode
.read_failed:
    mov si, read_failed
    call com1_puts
    mov al, 0x01
    jmp debug_exit

read_failed:    db "stage 1: int 0x13 AH=0x42 failed", 10, 0
real_mode_done: db "stage 1: stage 2 loaded, entering protected mode", 10, 0

%include "boot_gdt.inc"

align 4
dap:
    db 0x10, 0
    dw 2                    ; sectors
    dw 0x7E00, 0x0000       ; buffer
    dq 1                    ; LBA 1: sector 2

%include "common.inc"

    times 510 - ($ - $$) db 0
    dw 0xAA55

; ---- stage 2 (sectors 2-3, at 0x7E00) ----
bits 32
protected_mode:
    mov ax, DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7C00
    mov esi, protected_hello
    call puts32
    ENTER_LONG_MODE

; Writes the NUL-terminated string at ESI to COM1 (32-bit code).
puts32:
    COM1_PUTS_INLINE
    ret

bits 64
long_mode:
    mov rsi, long_hello
    COM1_PUTS_INLINE
    mov al, 0x10
    out DEBUG_EXIT, al
    cli
    hlt

protected_hello: db "stage 2: 32-bit protected mode", 10, 0
long_hello:      db "stage 2: hello from 64-bit long mode", 10, 0

    times 3 * 512 - ($ - $$) db 0
