# BIOS-area table guests (docs/guests.md): they find ACPI and the MP table by the PC scans, power
# off through the FADT and \_S5, and one is linked with a plain `ld -Ttext=0x100000`. The
# Multiboot 1 ones also run under QEMU (`-kernel`), which has its own tables.
set(SVM_TABLES_GUEST_SOURCES pc/tables/bios_scan.c lib/acpi.c)
svm_add_guest(tables_scan.elf VARIANT 64 LINKER_SCRIPT ld/elf64.ld
              SOURCES start/start64.S ${SVM_TABLES_GUEST_SOURCES} pc/tables/scan.c)
svm_add_guest(tables_scan32.elf VARIANT 32 LINKER_SCRIPT multiboot1/linker.ld
              SOURCES multiboot1/boot.S ${SVM_TABLES_GUEST_SOURCES} pc/tables/scan.c)
svm_add_guest(acpi_poweroff.elf VARIANT 32 LINKER_SCRIPT multiboot1/linker.ld
              SOURCES multiboot1/boot.S ${SVM_TABLES_GUEST_SOURCES} pc/tables/poweroff.c)

# ld_ttext.elf: assembled with the guest flags, linked by ld itself with no script (what the
# tutorials do), so the headers PT_LOAD at 0xFF000 is GNU ld's default, not ours.
add_library(guest_ld_ttext_obj OBJECT pc/tables/ld_ttext.S)
target_compile_options(guest_ld_ttext_obj PRIVATE -m32 -ffreestanding -fno-pic)
add_custom_command(
    OUTPUT ${SVM_GUEST_OUT}/ld_ttext.elf
    COMMAND ${CMAKE_LINKER} -m elf_i386 -Ttext=0x100000 --build-id=none -o
            ${SVM_GUEST_OUT}/ld_ttext.elf $<TARGET_OBJECTS:guest_ld_ttext_obj>
    DEPENDS guest_ld_ttext_obj $<TARGET_OBJECTS:guest_ld_ttext_obj>
    COMMENT "Linking guest/ld_ttext.elf with plain ld -Ttext=0x100000"
    COMMAND_EXPAND_LISTS)
add_custom_target(guest_ld_ttext DEPENDS ${SVM_GUEST_OUT}/ld_ttext.elf)
list(APPEND SVM_GUEST_TARGETS guest_ld_ttext)
