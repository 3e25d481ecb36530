; bios_stage2.img: a two-stage loader. The boot sector reads sectors 2-5 (stage 2) to 0000:7E00
; with int 0x13 AH=0x02 (CHS: cylinder 0, head 0, sectors 2-5), then reads the same four sectors
; again with AH=0x42 (LBA 1, a disk address packet) to 0000:9000 and compares the copies. Stage 2
; prints over COM1 and ends through isa-debug-exit with value 0x10 (exit status 33). Any failure
; prints a line naming it and ends with value 0x01 (exit status 3).
bits 16
org 0x7C00

start:
    jmp 0:main              ; CS = 0 whatever the BIOS used
main:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov [drive], dl
    ; CHS read: AH=0x02, AL = 4 sectors, CH = cylinder 0, CL = sector 2, DH = head 0, ES:BX.
    mov ax, 0x0204
    mov cx, 0x0002
    xor dh, dh
    mov bx, 0x7E00
    int 0x13
    mov si, chs_failed
    jc fail
    cmp al, 4
    jne fail
    ; LBA read: AH=0x42, DS:SI = disk address packet.
    mov ah, 0x42
    mov dl, [drive]
    mov si, dap
    int 0x13
    mov si, lba_failed
    jc fail
    ; Both copies must match.
    mov si, 0x7E00
    mov di, 0x9000
    mov cx, 4 * 512 / 2
    repe cmpsw
    mov si, mismatch
    jne fail
    mov dl, [drive]
    jmp 0:stage2

fail:
    call com1_puts
    mov al, 0x01
    jmp debug_exit

drive:      db 0
chs_failed: db "stage 1: int 0x13 AH=0x02 failed", 10, 0
lba_failed: db "stage 1: int 0x13 AH=0x42 failed", 10, 0
mismatch:   db "stage 1: the CHS and LBA copies differ", 10, 0

align 4
dap:
    db 0x10, 0              ; packet size, reserved
    dw 4                    ; sectors
    dw 0x9000, 0x0000       ; buffer offset, segment
    dq 1                    ; first LBA

%include "common.inc"

    times 510 - ($ - $$) db 0
    dw 0xAA55

; ---- stage 2: sectors 2-5, at 0x7E00 ----
stage2:
    mov si, stage2_hello
    call com1_puts
    mov si, stage2_how
    call com1_puts
    mov al, 0x10
    jmp debug_exit

stage2_hello: db "stage 2: hello from sectors 2-5", 10, 0
stage2_how:   db "stage 2: loaded with int 0x13 AH=0x02 (CHS) and checked with AH=0x42 (LBA)", 10, 0
    times 4 * 512 - ($ - stage2) - 2 db 0x90
    dw 0x5AA5               ; the last word of sector 5: the comparison covers all four sectors

; The rest of a small disk (64 KiB in all).
    times 65536 - ($ - $$) db 0
