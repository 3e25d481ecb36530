# Platform-device guests (docs/guests.md): 32-bit Multiboot 1 kernels that also run under QEMU
# (-M q35), printing over COM1 and ending by ACPI power-off (exit code 0) or isa-debug-exit.
set(SVM_PLATFORM_GUEST_SOURCES multiboot1/boot.S pc/platform/platform.c)
svm_add_guest(fw_cfg.elf VARIANT 32 LINKER_SCRIPT multiboot1/linker.ld
              SOURCES ${SVM_PLATFORM_GUEST_SOURCES} pc/platform/fw_cfg.c)
svm_add_guest(timers.elf VARIANT 32 LINKER_SCRIPT multiboot1/linker.ld
              SOURCES ${SVM_PLATFORM_GUEST_SOURCES} pc/platform/timers.c)
svm_add_guest(pci_scan.elf VARIANT 32 LINKER_SCRIPT multiboot1/linker.ld
              SOURCES ${SVM_PLATFORM_GUEST_SOURCES} pc/platform/pci_scan.c)
