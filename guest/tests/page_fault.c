/* page_fault.elf: the guest for gdb's `monitor catch`. kmain installs the IDT (lib/idt.h) with a
 * #PF handler, calls idt_ready() (a breakpoint target: from there on the IDT is loaded) and then
 * writes to the unmapped address 0x700000000000. The handler prints
 * "page fault: cr2 0x700000000000, error 0x2" and exits with 0 if CR2 and the error code (a
 * supervisor write to a non-present page) are what the CPU should report, with 1 otherwise. */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/console.h"
#include "lib/idt.h"

#define FAULT_ADDRESS 0x700000000000ull

static uint64_t read_cr2(void) {
    uint64_t value;
    __asm__ volatile("mov %%cr2, %0" : "=r"(value));
    return value;
}

/* Called from the IDT stub through idt_dispatch(). */
__attribute__((noinline)) void page_fault_handler(struct int_frame* frame) {
    uint64_t cr2 = read_cr2();
    kprintf("page fault: cr2 0x%llx, error 0x%llx\n", (unsigned long long)cr2,
            (unsigned long long)frame->error_code);
    svm_exit(cr2 == FAULT_ADDRESS && frame->error_code == 2 ? 0 : 1);
}

/* The IDT is loaded when this is called. */
__attribute__((noinline)) void idt_ready(void) {
    __asm__ volatile("" ::: "memory");
}

void kmain(const struct svm_machine* m) {
    (void)m;
    idt_install(SVM_SEL_CODE64);
    idt_set_handler(14, page_fault_handler);
    idt_ready();
    *(volatile uint64_t*)FAULT_ADDRESS = 0x5a;
    kputs("no page fault\n");
    svm_exit(1);
}
