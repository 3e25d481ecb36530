# PC text-mode guests (docs/guests.md): a Bare Bones style Multiboot 1 kernel that writes the VGA
# text screen and moves the hardware cursor (tests/kvm/display_test.cpp,
# gdb-scripts/monitor_screen.gdb).
svm_add_guest(vga_text.elf VARIANT 32 NO_LIB LINKER_SCRIPT pc/display/linker.ld
              SOURCES pc/display/boot.S pc/display/kernel.c
              OPTIONS -fno-omit-frame-pointer)
