; A boot sector that fills the VGA text screen with the pattern that
; tests/unit/display/text_renderer_qemu_test.cpp rebuilds by hand, for make_qemu_reference.sh to
; screenshot under QEMU. Build: nasm -f bin -o boot.img text_pattern.asm
;
; Pattern: cell i (0-1999, row-major, 80 per row) holds character i & 0xFF with attribute
; kAttributes[i >> 8], so all 256 characters appear in each of 7 attributes (the 8th block is cut
; short at cell 1999). The cursor sits at row 12, column 40 with the mode-3 shape the BIOS sets.
; Blinking stays enabled (the BIOS default), so 0x8A and 0xF1 are blinking cells.
bits 16
org 0x7c00

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    sti
    mov ax, 0x0003              ; INT 10h AH=00h: set mode 3 (80x25 colour text)
    int 0x10
    mov ax, 0xb800
    mov es, ax
    xor di, di
    xor cx, cx                  ; cx = cell index
.fill:
    mov bx, cx
    shr bx, 8
    mov ah, [attributes + bx]
    mov al, cl
    stosw
    inc cx
    cmp cx, 2000
    jb .fill
    mov ah, 0x02                ; INT 10h AH=02h: set cursor position (page 0, row 12, column 40)
    xor bh, bh
    mov dx, 0x0c28
    int 0x10
    cli
.halt:
    hlt
    jmp .halt

attributes:
    db 0x07, 0x1f, 0x4e, 0x70, 0x8a, 0x2c, 0xf1, 0x0f

    times 510 - ($ - $$) db 0
    dw 0xaa55
