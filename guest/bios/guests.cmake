# Boot-sector test images (docs/bios.md): disk images assembled with nasm, booted by svm's BIOS
# (`svm IMAGE`, `--boot-disk IMAGE`) in tests/kvm/bios_test.cpp. Each one also boots under QEMU's
# SeaBIOS: qemu-system-x86_64 -accel tcg -drive format=raw,file=IMAGE
#   -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio -display none
find_program(SVM_NASM nasm REQUIRED)
set(SVM_BIOS_GUEST_IMAGES "")
foreach(name hello stage2 e820 keys longmode vesa bench_load)
    set(source ${CMAKE_CURRENT_LIST_DIR}/${name}.asm)
    set(image ${SVM_GUEST_OUT}/bios_${name}.img)
    add_custom_command(
        OUTPUT ${image}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${SVM_GUEST_OUT}
        COMMAND ${SVM_NASM} -f bin -I${CMAKE_CURRENT_LIST_DIR}/ -o ${image} ${source}
        DEPENDS ${source} ${CMAKE_CURRENT_LIST_DIR}/common.inc ${CMAKE_CURRENT_LIST_DIR}/boot_gdt.inc
        COMMENT "Assembling boot sector guest/bios_${name}.img"
        VERBATIM)
    list(APPEND SVM_BIOS_GUEST_IMAGES ${image})
endforeach()
add_custom_target(guest_bios_images ALL DEPENDS ${SVM_BIOS_GUEST_IMAGES})
set(SVM_GUEST_TARGETS ${SVM_GUEST_TARGETS} guest_bios_images)
