/*
 * kbd_echo.elf (and kbd_echo_mb.elf, the same kernel as a Multiboot 1 image for QEMU): initialises
 * the i8042 the OSDev way (ps2.c), then prints every scan code it reads by polling, one line each
 * ("scancode 0x23"), until the make code of Q (0x10 in set 1); then SUCCESS, exit 0. With nothing
 * typed for about 20 million status polls it prints "kbd_echo: timeout" and exits 3.
 * Output goes to COM1, so the same kernel reports under svm and under QEMU.
 */
#include <stdint.h>
#include <svm/hypercall.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"
#include "ps2.h"

#define Q_MAKE 0x10u
#define TIMEOUT_EXIT 3u

/* Ends the run: svm's exit hypercall, then QEMU's isa-debug-exit at 0xF4 (exit status
 * (code << 1) | 1) for when the kernel runs under QEMU, where the hypercall port is ignored. */
static void finish(unsigned code) {
    svm_hypercall(SVM_HC_EXIT, code, 0, 0, 0);
    outb(0xF4, (uint8_t)code);
    halt_forever();
}

static void run(void) {
    console_use(CONSOLE_COM1);
    kputs("kbd_echo: start\n");
    if (ps2_init() != 0) {
        kputs("FAILURE\n");
        finish(CHECK_FAILURE_EXIT);
    }
    kputs("kbd_echo: ready\n");
    for (;;) {
        int code = ps2_read(20000000u);
        if (code < 0) {
            kputs("kbd_echo: timeout\n");
            finish(TIMEOUT_EXIT);
        }
        kprintf("scancode 0x%02x\n", (unsigned)code);
        if ((unsigned)code == Q_MAKE) break;
    }
    kputs("SUCCESS\n");
    finish(0);
}

#if defined(__x86_64__)
void kmain(const void* machine) {
    (void)machine;
    run();
}
#else
void kernel_main(uint32_t magic, const void* mbi, const void* machine) {
    (void)magic;
    (void)mbi;
    (void)machine;
    run();
}
#endif
