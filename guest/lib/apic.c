#include "lib/apic.h"

#include <svm/machine.h>

#include "lib/cpu.h"
#include "lib/io.h"

static volatile uint32_t* lapic_reg(uint32_t offset) {
    return (volatile uint32_t*)(uintptr_t)(SVM_LAPIC_ADDR + offset);
}

uint32_t lapic_read(uint32_t offset) {
    return *lapic_reg(offset);
}

void lapic_write(uint32_t offset, uint32_t value) {
    *lapic_reg(offset) = value;
}

void lapic_enable(void) {
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | LAPIC_SPURIOUS_VECTOR);
}

uint32_t lapic_id(void) {
    return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void) {
    lapic_write(LAPIC_EOI, 0);
}

void lapic_timer_start(uint8_t vector, uint32_t mode, uint32_t divide, uint32_t initial_count) {
    lapic_write(LAPIC_TIMER_DIVIDE, divide);
    lapic_write(LAPIC_LVT_TIMER, mode | vector);
    if (mode != LAPIC_TIMER_TSC_DEADLINE) lapic_write(LAPIC_TIMER_INITIAL, initial_count);
}

void lapic_timer_stop(void) {
    uint32_t lvt = lapic_read(LAPIC_LVT_TIMER);
    lapic_write(LAPIC_LVT_TIMER, lvt | LAPIC_LVT_MASKED);
    if ((lvt & (3u << 17)) == LAPIC_TIMER_TSC_DEADLINE) {
        wrmsr(MSR_TSC_DEADLINE, 0);
    } else {
        lapic_write(LAPIC_TIMER_INITIAL, 0);
    }
}

int lapic_send_ipi(uint32_t apic_id, uint32_t low) {
    lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, low);
    for (unsigned i = 0; i < 100000; i++) {
        if ((lapic_read(LAPIC_ICR_LOW) & LAPIC_ICR_DELIVERY_STATUS) == 0) return 0;
        cpu_relax();
    }
    return -1;
}

/* IOREGSEL at base, IOWIN at base + 0x10 (82093AA datasheet, 3.1). */
uint32_t ioapic_read(uintptr_t base, uint32_t reg) {
    *(volatile uint32_t*)base = reg;
    return *(volatile uint32_t*)(base + 0x10);
}

void ioapic_write(uintptr_t base, uint32_t reg, uint32_t value) {
    *(volatile uint32_t*)base = reg;
    *(volatile uint32_t*)(base + 0x10) = value;
}

uint32_t ioapic_pin_count(uintptr_t base) {
    return ((ioapic_read(base, 0x01) >> 16) & 0xFF) + 1;
}

/* Redirection entry n is registers 0x10 + 2n (low) and 0x11 + 2n (high). The high word goes first
 * and the low word, which holds the mask bit, last, so the entry is never live half-written. */
void ioapic_route(uintptr_t base, uint32_t pin, uint8_t vector, uint32_t apic_id, uint32_t flags) {
    ioapic_write(base, 0x10 + 2 * pin, IOAPIC_MASKED);
    ioapic_write(base, 0x11 + 2 * pin, apic_id << 24);
    ioapic_write(base, 0x10 + 2 * pin, flags | vector);
}

void ioapic_mask(uintptr_t base, uint32_t pin, int masked) {
    uint32_t low = ioapic_read(base, 0x10 + 2 * pin);
    low = masked ? (low | IOAPIC_MASKED) : (low & ~IOAPIC_MASKED);
    ioapic_write(base, 0x10 + 2 * pin, low);
}

void pic_disable(void) {
    outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 follows */
    outb(0xA0, 0x11);
    outb(0x21, 0x20); /* ICW2: vector base */
    outb(0xA1, 0x28);
    outb(0x21, 0x04); /* ICW3: slave on IRQ2 */
    outb(0xA1, 0x02);
    outb(0x21, 0x01); /* ICW4: 8086 mode */
    outb(0xA1, 0x01);
    outb(0x21, 0xFF); /* OCW1: mask everything */
    outb(0xA1, 0xFF);
}
