# PC input guests (docs/guests.md): the i8042 keyboard echo and the RTC reader, each as a 64-bit
# ELF (what the kvm tests run) and as a Multiboot 1 image (the same code, bootable by
# `qemu-system-x86_64 -kernel` to check the guest against QEMU's i8042 and RTC).
set(SVM_PC_INPUT_DIR pc/input)
svm_add_guest(kbd_echo.elf VARIANT 64 LINKER_SCRIPT ld/elf64.ld
              SOURCES start/start64.S ${SVM_PC_INPUT_DIR}/ps2.c ${SVM_PC_INPUT_DIR}/kbd_echo.c)
svm_add_guest(kbd_echo_mb.elf VARIANT 32 LINKER_SCRIPT multiboot1/linker.ld
              SOURCES multiboot1/boot.S ${SVM_PC_INPUT_DIR}/ps2.c ${SVM_PC_INPUT_DIR}/kbd_echo.c)
svm_add_guest(rtc_time.elf VARIANT 64 LINKER_SCRIPT ld/elf64.ld
              SOURCES start/start64.S ${SVM_PC_INPUT_DIR}/rtc_time.c)
svm_add_guest(rtc_time_mb.elf VARIANT 32 LINKER_SCRIPT multiboot1/linker.ld
              SOURCES multiboot1/boot.S ${SVM_PC_INPUT_DIR}/rtc_time.c)
# IRQ 1 through the I/O APIC (64-bit only: interrupt delivery needs long mode on KVM-PVM hosts).
svm_add_guest(kbd_irq.elf VARIANT 64 LINKER_SCRIPT ld/elf64.ld
              SOURCES start/start64.S lib/idt.c lib/idt_stubs.S lib/apic.c lib/timer.c
                      ${SVM_PC_INPUT_DIR}/ps2.c ${SVM_PC_INPUT_DIR}/kbd_irq.c)
# The PS/2 mouse by polling (tests/kvm/framebuffer_test.cpp moves it from a VNC viewer); the
# Multiboot 1 copy runs under QEMU.
svm_add_guest(mouse_echo.elf VARIANT 64 LINKER_SCRIPT ld/elf64.ld
              SOURCES start/start64.S ${SVM_PC_INPUT_DIR}/ps2.c ${SVM_PC_INPUT_DIR}/mouse_echo.c)
svm_add_guest(mouse_echo_mb.elf VARIANT 32 LINKER_SCRIPT multiboot1/linker.ld
              SOURCES multiboot1/boot.S ${SVM_PC_INPUT_DIR}/ps2.c ${SVM_PC_INPUT_DIR}/mouse_echo.c)
