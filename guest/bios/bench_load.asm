; bios_bench_load.img: the boot-sector benchmark's guest (bench/bios/run.sh, docs/benchmarks.md
; "Boot sectors (BIOS)"). The boot sector reads stage 2 (sector 2) to 0000:7E00, then reads 1 MiB
; (2048 sectors, LBA 2-2049) with int 0x13 AH=0x42 in 127-sector transfers (16 × 127 + one of 16),
; every one into the same buffer at 1000:0000 (physical 0x10000-0x1FDFF): no unreal mode, nothing
; above 1 MiB. 127 sectors is the largest count every EDD BIOS accepts (Phoenix EDD 1.1 limits a
; transfer to 127 blocks). It checks that the last transfer brought the expected sector (each
; payload sector starts with its own LBA as a dword), enables A20, enters 32-bit protected mode,
; builds identity-mapped page tables for the first 2 MiB, enters long mode and, in 64-bit stage 2,
; writes "S" to COM1 (the byte the benchmark times) and ends through isa-debug-exit with value
; 0x10 (exit status 33). Nothing is written to COM1 before that "S". On a failed read or a wrong
; payload it writes "E" and a message and exits with value 0x01 (status 3).
bits 16
cpu x64
org 0x7C00

PML4 equ 0x1000             ; PML4, PDPT and PD in three pages at 0x1000-0x3FFF
BUFFER_SEG equ 0x1000       ; every payload transfer lands at 1000:0000
PAYLOAD_LBA equ 2           ; sector 0 boot sector, sector 1 stage 2, then the payload
PAYLOAD_SECTORS equ 2048    ; 1 MiB
CHUNK equ 127

start:
    jmp 0:main
main:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
    mov [drive], dl
    ; Stage 2 (one sector) to 0000:7E00.
    mov ah, 0x42
    mov si, stage2_dap
    int 0x13
    jc read_failed
    ; The payload: 1 MiB, CHUNK sectors at a time, into the same 64 KiB buffer.
    mov dword [dap.lba], PAYLOAD_LBA
    mov bp, PAYLOAD_SECTORS
.next_chunk:
    mov cx, CHUNK
    cmp bp, cx
    jae .count_ok
    mov cx, bp
.count_ok:
    mov [dap.count], cx
    mov word [dap.offset], 0
    mov word [dap.segment], BUFFER_SEG
    mov ah, 0x42
    mov dl, [drive]
    mov si, dap
    int 0x13
    jc read_failed
    cmp [dap.count], cx     ; the BIOS writes back the count it transferred
    jne read_failed
    ; The first sector of this transfer must be the one asked for.
    mov eax, [dap.lba]
    push ds
    push word BUFFER_SEG
    pop ds
    cmp eax, [0]
    pop ds
    jne bad_payload
    movzx ecx, cx
    add [dap.lba], ecx
    sub bp, cx
    jnz .next_chunk
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

read_failed:
    mov si, read_failed_msg
    jmp fail
bad_payload:
    mov si, bad_payload_msg
fail:
    xor ax, ax
    mov ds, ax
    call com1_puts
    mov al, 0x01
    jmp debug_exit

read_failed_msg: db "E: int 0x13 AH=0x42 failed", 10, 0
bad_payload_msg: db "E: wrong payload sector", 10, 0

drive: db 0x80

%include "boot_gdt.inc"

align 4
stage2_dap:
    db 0x10, 0
    dw 1                    ; sectors
    dw 0x7E00, 0x0000       ; buffer
    dq 1                    ; LBA 1: sector 2
dap:
    db 0x10, 0
.count:   dw 0
.offset:  dw 0
.segment: dw 0
.lba:     dq 0

%include "common.inc"

    times 510 - ($ - $$) db 0
    dw 0xAA55

; ---- stage 2 (sector 2, at 0x7E00) ----
bits 32
protected_mode:
    mov ax, DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7C00
    ENTER_LONG_MODE

bits 64
long_mode:
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    mov al, 'S'
    mov dx, COM1
    out dx, al
    mov al, 0x10
    out DEBUG_EXIT, al
    cli
.halt:
    hlt
    jmp .halt

    times 2 * 512 - ($ - $$) db 0

; ---- the payload: 2048 sectors, each starting with its own LBA ----
%assign lba PAYLOAD_LBA
%rep PAYLOAD_SECTORS
    dd lba
    times 508 db 0
%assign lba lba + 1
%endrep
