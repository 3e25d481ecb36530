# virtio guests (docs/guests.md "virtio guests", issue 13): a small polling virtio 1.x driver
# (virtio.c, virtio_pci.c, virtio_mmio.c) and one test guest per device type. Each is an ELF64
# with a Multiboot 1 header carrying load addresses (entry.S), so svm and `qemu-system-x86_64
# -kernel` boot the same file; tests/qemu/virtio_guest.sh runs them on QEMU-TCG.
set(SVM_VIRTIO_GUEST_SOURCES
    virtio/entry.S virtio/runtime.c virtio/virtio.c virtio/virtio_pci.c virtio/virtio_mmio.c)
foreach(kind blk net rng)
    set(extra)
    if(kind STREQUAL net)
        set(extra virtio/net_card.c virtio/net_stack.c virtio/net_dhcp.c virtio/net_tcp.c)
    endif()
    svm_add_guest(virtio_${kind}.elf VARIANT 64 LINKER_SCRIPT virtio/linker.ld
                  SOURCES ${SVM_VIRTIO_GUEST_SOURCES} ${extra} virtio/${kind}_test.c)
    # One RWX segment on purpose: the a.out kludge loads [load_addr, load_end_addr) from the file
    # as one block (virtio/linker.ld).
    target_link_options(guest_virtio_${kind} PRIVATE -Wl,--no-warn-rwx-segments)
endforeach()
