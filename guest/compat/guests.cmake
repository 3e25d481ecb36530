# Guests written for the seed hypervisors' ABIs (svm --compat; docs/guests.md, docs/devices.md).
svm_add_guest(minikvm.bin VARIANT 64 FLAT NO_LIB LINKER_SCRIPT ld/flat16.ld
              SOURCES compat/minikvm.S)
svm_add_guest(symphony.elf VARIANT 32 NO_LIB LINKER_SCRIPT multiboot1/linker.ld
              SOURCES compat/symphony.S)
