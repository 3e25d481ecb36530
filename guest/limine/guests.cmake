# Limine-protocol guests (docs/guests.md "Limine guests"): one source built once per base revision,
# limine_rev0.elf .. limine_rev6.elf, each checking every response and entry-state promise of svm's
# Limine loader; and two executables the loader must refuse (tests/kvm/limine_test.cpp).
set(SVM_LIMINE_DIR limine)
set(SVM_LIMINE_SOURCES
    ${SVM_LIMINE_DIR}/entry.S ${SVM_LIMINE_DIR}/requests.c ${SVM_LIMINE_DIR}/limine_main.c
    ${SVM_LIMINE_DIR}/report.c ${SVM_LIMINE_DIR}/paging.c ${SVM_LIMINE_DIR}/memmap.c
    ${SVM_LIMINE_DIR}/entry_state.c ${SVM_LIMINE_DIR}/lapic.c ${SVM_LIMINE_DIR}/acpi.c
    ${SVM_LIMINE_DIR}/files.c ${SVM_LIMINE_DIR}/framebuffer.c ${SVM_LIMINE_DIR}/executable.c
    ${SVM_LIMINE_DIR}/misc.c ${SVM_LIMINE_DIR}/mp.c)
foreach(rev RANGE 0 6)
    svm_add_guest(limine_rev${rev}.elf VARIANT 64k LINKER_SCRIPT ${SVM_LIMINE_DIR}/linker.ld
                  SOURCES ${SVM_LIMINE_SOURCES}
                  OPTIONS -DBASE_REVISION=${rev} -fno-omit-frame-pointer)
endforeach()
svm_add_guest(limine_dup_request.elf VARIANT 64k NO_LIB LINKER_SCRIPT ${SVM_LIMINE_DIR}/linker.ld
              SOURCES ${SVM_LIMINE_DIR}/malformed.S)
svm_add_guest(limine_bad_revision.elf VARIANT 64k NO_LIB LINKER_SCRIPT ${SVM_LIMINE_DIR}/linker.ld
              SOURCES ${SVM_LIMINE_DIR}/malformed.S OPTIONS -DBAD_BASE_REVISION)
