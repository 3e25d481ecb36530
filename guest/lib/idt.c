#include "lib/idt.h"

#include <svm/hypercall.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"

/* A 64-bit IDT gate descriptor, SDM Vol. 3A, 6.14.1 figure 6-8. */
struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr; /* P, DPL, 0, type (0xE = 64-bit interrupt gate) */
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define IDT_GATE_INTERRUPT_PRESENT 0x8Eu

extern const uint64_t idt_stub_table[256];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static int_handler handlers[256];
static volatile uint64_t unexpected;

void idt_install(uint16_t code_selector) {
    for (unsigned v = 0; v < 256; v++) {
        uint64_t addr = idt_stub_table[v];
        idt[v].offset_low = (uint16_t)addr;
        idt[v].selector = code_selector;
        idt[v].ist = 0;
        idt[v].type_attr = IDT_GATE_INTERRUPT_PRESENT;
        idt[v].offset_mid = (uint16_t)(addr >> 16);
        idt[v].offset_high = (uint32_t)(addr >> 32);
        idt[v].reserved = 0;
    }
    idt_load();
}

void idt_load(void) {
    struct idt_pointer p = {.limit = sizeof(idt) - 1, .base = (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_set_handler(uint8_t vector, int_handler handler) {
    handlers[vector] = handler;
}

uint64_t idt_unexpected_count(void) {
    return unexpected;
}

void idt_dispatch(struct int_frame* frame) {
    int_handler h = handlers[frame->vector & 0xFF];
    if (h) {
        h(frame);
        return;
    }
    if (frame->vector < 32) {
        kprintf("unexpected exception %u at rip 0x%llx, error 0x%llx\n", (unsigned)frame->vector,
                (unsigned long long)frame->rip, (unsigned long long)frame->error_code);
        kputs("FAILURE\n");
        svm_exit(CHECK_FAILURE_EXIT);
    }
    unexpected++;
}
