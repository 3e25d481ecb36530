# svm's sample OS (guest/os/, docs/guests.md "The sample OS") on QEMU-TCG, label `qemu`:
# tests/qemu/os_shell.sh types commands into its COM1 shell, without devices (shell, crash,
# shutdown) and with a virtio disk, network card and entropy device (devices);
# tests/qemu/os_screen.py types them on the PS/2 keyboard (QEMU's `sendkey`) and reads the
# framebuffer console back from QEMU's `screendump` (screen), or checks the OS without a display
# adapter (no-display). Included from
# tests/qemu/CMakeLists.txt after SVM_QEMU_SYSTEM_X86_64 is looked up; without QEMU one test says
# so (or is skipped with SVM_SKIP_QEMU_TESTS=1), as for the virtio guests.
set(SVM_OS_SHELL_SH ${CMAKE_CURRENT_SOURCE_DIR}/os_shell.sh)
if(SVM_QEMU_SYSTEM_X86_64)
    set(os_tests)
    foreach(case shell crash shutdown)
        add_test(NAME qemu.os.${case}
                 COMMAND bash ${SVM_OS_SHELL_SH} --qemu ${SVM_QEMU_SYSTEM_X86_64}
                         --kernel ${PROJECT_BINARY_DIR}/guest/os.elf
                         --work ${CMAKE_CURRENT_BINARY_DIR}/os_${case} --case ${case}
                         --timeout 60)
        list(APPEND os_tests qemu.os.${case})
    endforeach()
    # Phase 2: the same OS with a virtio disk (guest/os-disk.img, the ustar archive of
    # guest/os/disk/), network card (QEMU's user networking) and entropy device.
    add_test(NAME qemu.os.devices
             COMMAND bash ${SVM_OS_SHELL_SH} --qemu ${SVM_QEMU_SYSTEM_X86_64}
                     --kernel ${PROJECT_BINARY_DIR}/guest/os.elf
                     --disk ${PROJECT_BINARY_DIR}/guest/os-disk.img
                     --disk-dir ${PROJECT_SOURCE_DIR}/guest/os/disk
                     --work ${CMAKE_CURRENT_BINARY_DIR}/os_devices --case devices --timeout 60)
    list(APPEND os_tests qemu.os.devices)
    # Every CPU running threads: QEMU -smp 4, APs started by INIT-SIPI-SIPI (guest/os/smp.c).
    add_test(NAME qemu.os.smp
             COMMAND bash ${SVM_OS_SHELL_SH} --qemu ${SVM_QEMU_SYSTEM_X86_64}
                     --kernel ${PROJECT_BINARY_DIR}/guest/os.elf --smp 4
                     --work ${CMAKE_CURRENT_BINARY_DIR}/os_smp --case smp --timeout 60)
    list(APPEND os_tests qemu.os.smp)
    # The framebuffer console and the keyboard: the screen is read back with the OS's own font
    # (guest/os-font.psf) by tests/tools/screen_text.py.
    foreach(case screen no-display)
        add_test(NAME qemu.os.${case}
                 COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/os_screen.py
                         --qemu ${SVM_QEMU_SYSTEM_X86_64}
                         --kernel ${PROJECT_BINARY_DIR}/guest/os.elf
                         --font ${PROJECT_BINARY_DIR}/guest/os-font.psf
                         --work ${CMAKE_CURRENT_BINARY_DIR}/os_${case} --case ${case} --timeout 60)
        list(APPEND os_tests qemu.os.${case})
    endforeach()
    # Two copies of the OS on one wire (-netdev stream over a Unix socket), static addresses
    # from the kernel command line (ip=), pinging each other.
    add_test(NAME qemu.os.pair
             COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/os_pair.py
                     --qemu ${SVM_QEMU_SYSTEM_X86_64}
                     --kernel ${PROJECT_BINARY_DIR}/guest/os.elf
                     --work ${CMAKE_CURRENT_BINARY_DIR}/os_pair --timeout 60)
    list(APPEND os_tests qemu.os.pair)
    set_tests_properties(${os_tests} PROPERTIES LABELS qemu TIMEOUT 120)
else()
    add_test(NAME qemu.os
             COMMAND sh -c "if [ \"\$SVM_SKIP_QEMU_TESTS\" = 1 ]; then echo 'qemu-system-x86_64 was not found and SVM_SKIP_QEMU_TESTS=1: skipping the QEMU tests'; exit 77; fi; echo 'qemu-system-x86_64 was not found at configure time. The qemu tests need it (scripts/install-deps.sh installs qemu-system-x86; then re-run cmake); set SVM_SKIP_QEMU_TESTS=1 to skip them explicitly.'; exit 1")
    set_tests_properties(qemu.os PROPERTIES LABELS qemu SKIP_RETURN_CODE 77)
endif()
