# Console stress guests (tests/kvm/console_test.cpp): every vCPU prints numbered lines as fast as
# it can, to check that svm loses no output through a slow reader and never hangs on a stalled one.
svm_add_guest(console_flood.elf VARIANT 64 LINKER_SCRIPT ld/elf64.ld
              SOURCES start/start64.S lib/smp.c console/flood.c)
