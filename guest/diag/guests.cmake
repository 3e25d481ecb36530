# Diagnostics guests (docs/guests.md): kernels that hang or crash the ways svm must explain.
foreach(diag poll_absent sti_hlt paging32)
    svm_add_guest(${diag}.elf VARIANT 32 NO_LIB LINKER_SCRIPT multiboot1/linker.ld
                  SOURCES diag/${diag}.S)
endforeach()
