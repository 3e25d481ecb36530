# The virtio test guests (guest/virtio/, docs/guests.md "virtio guests") on QEMU-TCG, label `qemu`:
# the reference behaviour for svm's virtio-blk, virtio-net and virtio-rng over virtio-pci (-M pc)
# and virtio-mmio version 2 (-M microvm). Included from tests/qemu/CMakeLists.txt after
# SVM_QEMU_SYSTEM_X86_64 is looked up; without QEMU one test says so (or is skipped with
# SVM_SKIP_QEMU_TESTS=1), as for the Limine handoff tests.
set(SVM_VIRTIO_GUEST_SH ${CMAKE_CURRENT_SOURCE_DIR}/virtio_guest.sh)
if(SVM_QEMU_SYSTEM_X86_64)
    set(virtio_cases rng rng-mmio blk blk-persist blk-ro blk-wrong-seed blk-mmio net net-mmio
                     net-echo net-tap)
    set(virtio_tests)
    foreach(case ${virtio_cases})
        add_test(NAME qemu.virtio.${case}
                 COMMAND bash ${SVM_VIRTIO_GUEST_SH} --qemu ${SVM_QEMU_SYSTEM_X86_64}
                         --guests ${PROJECT_BINARY_DIR}/guest
                         --work ${CMAKE_CURRENT_BINARY_DIR}/virtio_${case} --case ${case}
                         --timeout 60)
        list(APPEND virtio_tests qemu.virtio.${case})
    endforeach()
    # net-tap needs root and /dev/net/tun (a TAP device in a private network namespace): 77 skips.
    set_tests_properties(${virtio_tests} PROPERTIES LABELS qemu TIMEOUT 120 SKIP_RETURN_CODE 77)
else()
    add_test(NAME qemu.virtio
             COMMAND sh -c "if [ \"\$SVM_SKIP_QEMU_TESTS\" = 1 ]; then echo 'qemu-system-x86_64 was not found and SVM_SKIP_QEMU_TESTS=1: skipping the QEMU tests'; exit 77; fi; echo 'qemu-system-x86_64 was not found at configure time. The qemu tests need it (scripts/install-deps.sh installs qemu-system-x86; then re-run cmake); set SVM_SKIP_QEMU_TESTS=1 to skip them explicitly.'; exit 1")
    set_tests_properties(qemu.virtio PROPERTIES LABELS qemu SKIP_RETURN_CODE 77)
endif()
