# svm's sample OS (issue 14, docs/guests.md "The sample OS"): a small 64-bit teaching OS in C.
# It reuses guest/virtio/entry.S (Multiboot 1 header with the a.out kludge, long-mode switch,
# calls kmain) and guest/virtio/linker.ld, so `svm os.elf` and
# `qemu-system-x86_64 -kernel os.elf` boot the same file; lib/'s IDT, APIC and ACPI helpers; and
# guest/virtio's driver and IPv4 stack (without its runtime.c: the OS is their host, see
# os/kernel.h). tests/qemu/os.cmake runs it on QEMU-TCG.
svm_add_guest(os.elf VARIANT 64 LINKER_SCRIPT virtio/linker.ld
              SOURCES virtio/entry.S lib/idt.c lib/idt_stubs.S lib/apic.c lib/acpi.c
                      virtio/virtio.c virtio/virtio_pci.c virtio/virtio_mmio.c
                      virtio/net_card.c virtio/net_stack.c virtio/net_dhcp.c virtio/net_tcp.c
                      os/kmain.c os/console.c os/memory.c os/platform.c os/interrupts.c os/serial.c
                      os/sched.c os/switch.S os/smp.c os/ap_boot.S os/devices.c os/rng.c os/blk.c os/fs.c os/net.c
                      os/shell.c os/power.c os/font.c os/font.S os/fbcon.c os/keyboard.c
                      os/draw.c ${SVM_GUEST_OUT}/os-font.psf)
# The console font (os/font.S, os/font.c): the VGA 8x16 font svm draws its own text screen with
# (SVM_VGA_FONT_FILE, devices/CMakeLists.txt: console-setup-linux's FullGreek-VGA16), gunzipped
# into guest/os-font.psf, which font.S includes with .incbin. The screen tests read the screen
# back with the same file (tests/tools/screen_text.py).
add_custom_command(
    OUTPUT ${SVM_GUEST_OUT}/os-font.psf
    COMMAND ${SVM_GZIP} -dc ${SVM_VGA_FONT_FILE} > ${SVM_GUEST_OUT}/os-font.psf
    DEPENDS ${SVM_VGA_FONT_FILE}
    COMMENT "Unpacking the sample OS's console font guest/os-font.psf")
set_source_files_properties(os/font.S PROPERTIES
    COMPILE_DEFINITIONS "OS_FONT_PSF=\"${SVM_GUEST_OUT}/os-font.psf\""
    OBJECT_DEPENDS ${SVM_GUEST_OUT}/os-font.psf)
# One RWX segment on purpose: the a.out kludge loads [load_addr, load_end_addr) as one block.
target_link_options(guest_os PRIVATE -Wl,--no-warn-rwx-segments)

# The OS's disk: a POSIX ustar archive of guest/os/disk/ (fs.c reads it). Reproducible: names
# sorted, owner 0, mtime 0. A blocking factor of 1 ends it right after the two zero blocks of
# the end marker; ustar is made of 512-byte blocks, so the image is a whole number of sectors.
find_program(SVM_TAR tar)
file(GLOB SVM_OS_DISK_FILES CONFIGURE_DEPENDS RELATIVE ${CMAKE_CURRENT_SOURCE_DIR}/os/disk
     ${CMAKE_CURRENT_SOURCE_DIR}/os/disk/*)
list(SORT SVM_OS_DISK_FILES)
set(SVM_OS_DISK_FILE_PATHS)
foreach(f ${SVM_OS_DISK_FILES})
    list(APPEND SVM_OS_DISK_FILE_PATHS ${CMAKE_CURRENT_SOURCE_DIR}/os/disk/${f})
endforeach()
if(SVM_TAR)
    add_custom_command(
        OUTPUT ${SVM_GUEST_OUT}/os-disk.img
        COMMAND ${SVM_TAR} --format=ustar --blocking-factor=1 --sort=name --owner=0 --group=0
                --numeric-owner --mtime=@0 --mode=u=rw,go=r
                -C ${CMAKE_CURRENT_SOURCE_DIR}/os/disk -cf ${SVM_GUEST_OUT}/os-disk.img
                ${SVM_OS_DISK_FILES}
        DEPENDS ${SVM_OS_DISK_FILE_PATHS}
        COMMENT "Creating the sample OS's disk guest/os-disk.img (ustar)")
    add_custom_target(guest_os_disk DEPENDS ${SVM_GUEST_OUT}/os-disk.img)
    list(APPEND SVM_GUEST_TARGETS guest_os_disk)
else()
    message(STATUS "tar not found: guest/os-disk.img (the sample OS's disk) is not built")
endif()
