# svm's sample OS (issue 14, docs/guests.md "The sample OS"): a small 64-bit teaching OS in C.
# It reuses guest/virtio/entry.S (Multiboot 1 header with the a.out kludge, long-mode switch,
# calls kmain) and guest/virtio/linker.ld, so `svm os.elf` and
# `qemu-system-x86_64 -kernel os.elf` boot the same file; and lib/'s IDT, APIC and ACPI helpers.
# tests/qemu/os.cmake runs it on QEMU-TCG.
svm_add_guest(os.elf VARIANT 64 LINKER_SCRIPT virtio/linker.ld
              SOURCES virtio/entry.S lib/idt.c lib/idt_stubs.S lib/apic.c lib/acpi.c
                      os/kmain.c os/memory.c os/platform.c os/interrupts.c os/serial.c
                      os/sched.c os/switch.S os/shell.c os/power.c)
# One RWX segment on purpose: the a.out kludge loads [load_addr, load_end_addr) as one block.
target_link_options(guest_os PRIVATE -Wl,--no-warn-rwx-segments)
