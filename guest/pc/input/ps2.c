/* See ps2.h. */
#include "ps2.h"

#include "lib/check.h"
#include "lib/io.h"

#define POLLS 1000000u

int ps2_read(uint32_t polls) {
    for (uint32_t i = 0; i < polls; i++)
        if (inb(PS2_STATUS) & PS2_STATUS_OUTPUT_FULL) return inb(PS2_DATA);
    return -1;
}

static void wait_input_empty(void) {
    for (uint32_t i = 0; i < POLLS && (inb(PS2_STATUS) & PS2_STATUS_INPUT_FULL); i++) {
    }
}

void ps2_command(uint8_t command) {
    wait_input_empty();
    outb(PS2_COMMAND, command);
}

void ps2_write(uint8_t value) {
    wait_input_empty();
    outb(PS2_DATA, value);
}

int ps2_init(void) {
    unsigned before = check_failures();
    ps2_command(0xAD); /* disable port 1 */
    ps2_command(0xA7); /* disable port 2 (ignored by single-port controllers) */
    /* Flush: on a PC with no controller this reads 0xFF forever; bounded here all the same. */
    unsigned flushed = 0;
    while ((inb(PS2_STATUS) & PS2_STATUS_OUTPUT_FULL) && flushed < 64) {
        (void)inb(PS2_DATA);
        flushed++;
    }
    check_that("ps2 flush ends", flushed < 64, "the output buffer never emptied", "empty");

    ps2_command(0x20);
    int config = ps2_read(POLLS);
    if (!check_that("ps2 read config", config >= 0, "no answer", "a byte")) return -1;
    /* No interrupts (polling) and translation on (the test expects set 1); the port stays
     * disabled (bit 4, set by 0xAD) until step "enable devices". */
    uint8_t new_config = (uint8_t)((config & ~0x03) | 0x40);
    ps2_command(0x60);
    ps2_write(new_config);

    ps2_command(0xAA);
    check_eq("ps2 self-test", (uint64_t)ps2_read(POLLS), 0x55);
    /* Some controllers reset the configuration byte on self-test: write it again. */
    ps2_command(0x60);
    ps2_write(new_config);
    ps2_command(0xAB);
    check_eq("ps2 port 1 test", (uint64_t)ps2_read(POLLS), 0x00);

    ps2_command(0xAE); /* enable port 1 */
    ps2_write(0xFF);   /* reset the keyboard */
    int ack = ps2_read(POLLS);
    int bat = ps2_read(POLLS);
    check_eq("keyboard reset ack", (uint64_t)ack, 0xFA);
    check_eq("keyboard self-test", (uint64_t)bat, 0xAA);
    return check_failures() == before ? 0 : -1;
}
