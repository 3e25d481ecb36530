; svm's BIOS ROM (docs/bios.md, "How the BIOS is built"): the real-mode code a boot sector meets
; in segment F000. It is deliberately tiny: on nested KVM-PVM hosts every real-mode instruction is
; emulated (/work/shared/KVM-NOTES.md), and the services themselves run in svm (core/bios/).
;
; - `entry` is where svm starts the boot vCPU (F000:entry): it programs the 8259 PIC pair and the
;   8254 PIT as a PC BIOS does (KVM's in-kernel PIC and PIT are reached only by the guest's own
;   port I/O, not through svm's I/O bus), sets up the boot sector's registers and far-jumps to
;   0000:7C00 with DL = the boot drive (the byte `boot_drive`, which svm patches).
; - One trap stub per BIOS vector that svm serves. A stub starts with `out BIOS_TRAP_PORT, al`:
;   svm takes the I/O exit, learns the vector from the stub's IP (the stubs are STUB_SIZE apart),
;   runs the service on the vCPU's registers, writes CF/ZF into the FLAGS image that `int` pushed,
;   and resumes the vCPU at stub + STUB_CONTINUE (or, for int 0x16 with no key yet, at
;   stub + STUB_WAIT, which waits for an interrupt with `sti; hlt` and calls again). svm always
;   sets IP itself, so it does not matter whether KVM reports the `out` before or after IP moved
;   past it (hardware KVM's fast PIO path and the instruction emulator differ there).
; - Default handlers for the vectors svm does not serve: an `iret`, plus the EOI for IRQ vectors
;   (0x08-0x0F master, 0x70-0x77 slave).
;
; svm reads the header below (core/machine/pc/bios_rom.h) instead of hard-coding offsets.
; Assembled with `nasm -f bin`; the result is embedded into svm (core/bios/rom/rom.cmake).

bits 16
cpu 386

BIOS_TRAP_PORT  equ 0x5F    ; pc::kBiosTrapPort (core/machine/pc/pc_layout.h)
ROM_OFFSET      equ 0xE000  ; the ROM occupies F000:E000-F000:FFFF (0xFE000-0xFFFFF)
STUB_SIZE       equ 16
STUB_CONTINUE   equ 2       ; after the 2-byte `out imm8, al`
STUB_WAIT       equ 3       ; int 0x16 only: `sti; hlt; jmp stub`

PIC1_CMD        equ 0x20
PIC1_DATA       equ 0x21
PIC2_CMD        equ 0xA0
PIC2_DATA       equ 0xA1
PIT_CH0         equ 0x40
PIT_CMD         equ 0x43
EOI             equ 0x20

org ROM_OFFSET

header:
    db 'SVMBIOS1'               ; +0  magic
    dw entry                    ; +8  where the boot vCPU starts (offset in F000)
    dw boot_drive               ; +10 the byte svm patches with the boot drive (0x80 / 0x00)
    dw stubs                    ; +12 the first trap stub
    dw STUB_SIZE                ; +14 bytes from one stub to the next
    dw STUB_COUNT               ; +16 number of stubs
    dw STUB_CONTINUE            ; +18 where a stub resumes after a service
    dw STUB_WAIT                ; +20 where the int 0x16 stub waits for a key
    dw vectors                  ; +22 STUB_COUNT bytes: the vector of each stub, in order
    dw default_iret             ; +24 handler of the vectors svm does not serve
    dw default_irq_master       ; +26 handler of unserved IRQs 0-7 (vectors 0x08-0x0F)
    dw default_irq_slave        ; +28 handler of unserved IRQs 8-15 (vectors 0x70-0x77)
    dw 0                        ; +30 reserved

boot_drive:
    db 0x80

vectors:
    db 0x08, 0x09, 0x10, 0x11, 0x12, 0x13, 0x15, 0x16, 0x19, 0x1A
STUB_COUNT equ $ - vectors

; ---------------------------------------------------------------------------------------------
; The boot path.
entry:
    cli
    cld
    ; 8259A PIC pair (8259A data sheet, ICW1-ICW4): edge-triggered, cascaded, 8086 mode; vector
    ; bases 0x08 (master) and 0x70 (slave), the slave on the master's IRQ2.
    mov al, 0x11
    out PIC1_CMD, al
    out PIC2_CMD, al
    mov al, 0x08
    out PIC1_DATA, al
    mov al, 0x70
    out PIC2_DATA, al
    mov al, 0x04
    out PIC1_DATA, al
    mov al, 0x02
    out PIC2_DATA, al
    mov al, 0x01
    out PIC1_DATA, al
    out PIC2_DATA, al
    ; Masks: IRQ0 (timer), IRQ1 (keyboard) and IRQ2 (cascade) enabled, the rest masked.
    mov al, 0xF8
    out PIC1_DATA, al
    mov al, 0xFF
    out PIC2_DATA, al
    ; 8254 PIT channel 0: lobyte/hibyte, mode 3 (square wave), divisor 0 = 65536: 18.2065 Hz.
    mov al, 0x36
    out PIT_CMD, al
    xor al, al
    out PIT_CH0, al
    out PIT_CH0, al
    ; The boot sector's state (docs/bios.md, "Booting a disk image"): DS = ES = FS = GS = SS = 0,
    ; SP = 0x7C00, DL = boot drive, the other general registers 0 (svm starts the vCPU with their
    ; upper halves 0), IF set.
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov sp, 0x7C00
    xor bx, bx
    xor cx, cx
    xor si, si
    xor di, di
    xor bp, bp
    mov dl, [cs:boot_drive]
    xor dh, dh
    sti
    jmp 0x0000:0x7C00

; ---------------------------------------------------------------------------------------------
; Default handlers.
default_iret:
    iret

default_irq_master:
    push ax
    mov al, EOI
    out PIC1_CMD, al
    pop ax
    iret

default_irq_slave:
    push ax
    mov al, EOI
    out PIC2_CMD, al
    out PIC1_CMD, al
    pop ax
    iret

; ---------------------------------------------------------------------------------------------
; The trap stubs, in the order of `vectors`, STUB_SIZE bytes each.
%macro stub_end 1
    %if $ - %1 > STUB_SIZE
        %error "trap stub %1 is longer than STUB_SIZE"
    %endif
    times STUB_SIZE - ($ - %1) db 0xCC
%endmacro

    times (16 - (($ - $$) % 16)) % 16 db 0xCC
stubs:
stub_08:                        ; IRQ0: svm counts the tick (BDA 0x46C); then int 0x1C, EOI
    out BIOS_TRAP_PORT, al
    int 0x1C
    push ax
    mov al, EOI
    out PIC1_CMD, al
    pop ax
    iret
    stub_end stub_08
stub_09:                        ; IRQ1: svm reads the scan code into the BDA buffer; EOI
    out BIOS_TRAP_PORT, al
    push ax
    mov al, EOI
    out PIC1_CMD, al
    pop ax
    iret
    stub_end stub_09
%macro service_stub 1
stub_%1:
    out BIOS_TRAP_PORT, al
    iret
    stub_end stub_%1
%endmacro
    service_stub 10
    service_stub 11
    service_stub 12
    service_stub 13
    service_stub 15
stub_16:                        ; keyboard: on "no key yet" svm resumes at STUB_WAIT
    out BIOS_TRAP_PORT, al
    iret
%if $ - stub_16 != STUB_WAIT
    %error "STUB_WAIT does not match the int 0x16 stub"
%endif
    sti                         ; the `hlt` runs in the STI shadow: no wake-up is lost
    hlt
    jmp stub_16
    stub_end stub_16
stub_19:                        ; bootstrap loader: svm restarts the machine (or ends the run)
    out BIOS_TRAP_PORT, al
    iret
    stub_end stub_19
    service_stub 1A
%if ($ - stubs) != STUB_COUNT * STUB_SIZE
    %error "the stubs do not match the vector list"
%endif

; ---------------------------------------------------------------------------------------------
; The reset vector F000:FFF0, the BIOS date and the PC/AT model byte (IBM PC/AT Technical
; Reference), where software looks for them.
    times 0x1FF0 - ($ - $$) db 0xFF
reset_vector:
    jmp 0xF000:entry
    db '11/30/26'
    db 0
    db 0xFC
    db 0
