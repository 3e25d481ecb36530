/* A first kernel for svm: prints one line on COM1 and halts (docs/guests.md,
 * "Write your first kernel for svm"). */
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value) {
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

void kmain(void) {
    for (const char* p = "hello from my kernel\n"; *p; p++) outb(0x3F8, (uint8_t)*p);
    for (;;) __asm__ volatile("cli; hlt");
}
