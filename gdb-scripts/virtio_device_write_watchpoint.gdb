# A write watchpoint fires when a device, not a CPU, writes the watched memory: virtio-blk
# (guest/virtio/blk_test.c) on a scratch disk. The guest sets its request's status byte to 0xFF
# (a CPU write: the first stop), then the device writes the status (0 = OK) into it from svm's
# I/O thread (the second stop: the guest only polls the used ring meanwhile, so no instruction of
# its own writes 0 there). Then the watchpoint is deleted and the guest finishes its checks.
# svm: --disk {disk} --cmdline "write seed=3 sectors=16" {guest}/virtio_blk.elf
# disk: 1048576
# expect: Hardware watchpoint 1: status_byte
# expect: Old value = 0 '\\000'\s+New value = 255 '\\377'
# expect: Old value = 255 '\\377'\s+New value = 0 '\\000'
# expect: exited normally
# reject: Cannot access memory
# reject: Couldn't write
# svm-expect: blk: [0-9]+ requests
# exit: 0
watch status_byte
continue
continue
delete 1
continue
