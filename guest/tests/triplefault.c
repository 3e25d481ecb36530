/*
 * triplefault.elf: loads an IDT with limit 0 and executes ud2. The #UD cannot be delivered
 * (no IDT entry), which is a #DF, which cannot be delivered either: a triple fault, i.e. a
 * shutdown (Intel SDM Vol. 3A, 6.15, "Interrupt 8 - Double Fault Exception"). KVM reports it as
 * KVM_EXIT_SHUTDOWN; svm should stop with a readable crash report.
 */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/console.h"

struct __attribute__((packed)) idt_pointer {
    uint16_t limit;
    uint64_t base;
};

void kmain(const struct svm_machine* m) {
    (void)m;
    kputs("about to triple fault\n");
    static const struct idt_pointer empty = {0, 0};
    __asm__ volatile("lidt %0" : : "m"(empty));
    __asm__ volatile("ud2");
    /* Not reached on a working CPU. */
    kputs("still running after ud2\n");
    svm_exit(1);
}
