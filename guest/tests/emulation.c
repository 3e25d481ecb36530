/*
 * emulation.elf: prints "about to execute fld1", then executes the x87 instruction fld1
 * (D9 E8). On nested KVM-PVM hosts KVM's emulator cannot execute it and svm reports an emulation
 * failure (KVM_EXIT_INTERNAL_ERROR, suberror 1) at that instruction. On hardware KVM it simply
 * runs, and the guest exits with code 7.
 */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/console.h"
#include "lib/io.h"

void kmain(const struct svm_machine* m) {
    (void)m;
    /* x87 instructions fault with #NM if CR0.EM or CR0.TS is set (Intel SDM Vol. 3A, 2.5). */
    write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
    kputs("about to execute fld1\n");
    __asm__ volatile("fld1");
    kputs("fld1 executed\n");
    svm_exit(7);
}
