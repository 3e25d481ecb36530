/*
 * A 64-bit IDT for svm's interrupt test guests: 256 interrupt gates (Intel SDM Vol. 3A, 6.14.1)
 * that all enter one assembly stub (lib/idt_stubs.S). The stub saves every general-purpose
 * register, calls idt_dispatch() with a pointer to the saved frame and returns with `iretq`.
 *
 * Long mode only: on nested KVM-PVM hosts a 32-bit `iret` cannot be emulated (KVM-NOTES.md).
 */
#ifndef GUEST_LIB_IDT_H
#define GUEST_LIB_IDT_H

#include <stdint.h>

/* The stack as the stub leaves it when it calls the handler: saved registers (the last pushed
 * first), the vector and error code the stub pushed, then the CPU's interrupt frame (SDM Vol. 3A,
 * 6.14.2, figure 6-9). */
struct int_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code; /* 0 for vectors without an error code */
    uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*int_handler)(struct int_frame* frame);

/* Builds the IDT (every gate: present, DPL 0, 64-bit interrupt gate, selector `code_selector`)
 * and loads it with `lidt` on the calling CPU. Call it once on the BSP; an AP that shares the
 * IDT calls idt_load() only. */
void idt_install(uint16_t code_selector);

/* Loads the IDT built by idt_install() on the calling CPU. */
void idt_load(void);

/* Routes `vector` to `handler` (NULL restores the default). The default for vectors 0-31 prints
 * "unexpected exception <v> at rip 0x<rip>, error 0x<e>" and exits with CHECK_FAILURE_EXIT; for
 * other vectors it counts the interrupt in idt_unexpected_count() and returns without an EOI. */
void idt_set_handler(uint8_t vector, int_handler handler);

/* Returns how many interrupts arrived at vectors 32-255 that had no handler. */
uint64_t idt_unexpected_count(void);

/* Called by the assembly stub; not for direct use. */
void idt_dispatch(struct int_frame* frame);

#endif /* GUEST_LIB_IDT_H */
