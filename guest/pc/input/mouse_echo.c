/*
 * mouse_echo.elf: the PS/2 mouse the OSDev way (OSDev wiki "PS/2 Mouse", "8042 PS/2 Controller"),
 * by polling: initialises the controller and keyboard (ps2.c), enables the second port (0xA8),
 * sends the mouse Set Defaults (0xF6) and Enable Data Reporting (0xF4) through 0xD4, then prints
 * every 3-byte movement packet ("mouse 0x09 0x0a 0x05": flags, X, Y) on COM1 until the make code of
 * Q arrives from the keyboard; then SUCCESS, exit 0. A byte belongs to the mouse when status bit 5
 * (auxiliary output buffer full) is set with bit 0. Nothing for about 50 million polls: exit 3.
 */
#include <stdint.h>
#include <svm/hypercall.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"
#include "ps2.h"

#define Q_MAKE 0x10u
#define STATUS_AUX 0x20u

static void finish(unsigned code) {
    svm_hypercall(SVM_HC_EXIT, code, 0, 0, 0);
    outb(0xF4, (uint8_t)code);
    halt_forever();
}

/* Sends `command` to the mouse and returns its answer (0xFA = acknowledge), or -1. */
static int mouse_command(uint8_t command) {
    ps2_command(0xD4);
    ps2_write(command);
    return ps2_read(1000000u);
}

static void run(void) {
    console_use(CONSOLE_COM1);
    kputs("mouse_echo: start\n");
    if (ps2_init() != 0) {
        kputs("FAILURE\n");
        finish(CHECK_FAILURE_EXIT);
    }
    ps2_command(0xA8); /* enable the second port */
    check_eq("mouse set defaults", (uint64_t)mouse_command(0xF6), 0xFA);
    check_eq("mouse enable reporting", (uint64_t)mouse_command(0xF4), 0xFA);
    if (check_failures()) {
        kputs("FAILURE\n");
        finish(CHECK_FAILURE_EXIT);
    }
    kputs("mouse_echo: ready\n");
    uint8_t packet[3];
    unsigned have = 0;
    for (uint32_t idle = 0; idle < 50000000u; ++idle) {
        uint8_t status = inb(PS2_STATUS);
        if (!(status & PS2_STATUS_OUTPUT_FULL)) continue;
        idle = 0;
        uint8_t byte = inb(PS2_DATA);
        if (!(status & STATUS_AUX)) {
            if (byte == Q_MAKE) {
                kputs("SUCCESS\n");
                finish(0);
            }
            continue;
        }
        /* Byte 0 always has bit 3 set: resynchronise on it (OSDev "PS/2 Mouse"). */
        if (have == 0 && !(byte & 0x08)) continue;
        packet[have++] = byte;
        if (have == 3) {
            kprintf("mouse 0x%02x 0x%02x 0x%02x\n", packet[0], packet[1], packet[2]);
            have = 0;
        }
    }
    kputs("mouse_echo: timeout\n");
    finish(3);
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
