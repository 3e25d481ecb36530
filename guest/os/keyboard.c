/*
 * The PS/2 keyboard, through the i8042 controller at ports 0x60 (data) and 0x64 (status and
 * command) (OSDev wiki "8042 PS/2 Controller" and "PS/2 Keyboard"; docs/devices.md "PS/2
 * controller (i8042)" for svm's).
 *
 * Set-up: both ports off, the output buffer emptied, then the controller's configuration byte
 * says: port 1 interrupts on (bit 0), port 2's off (bit 1), port 1's clock on (bit 4 clear) and
 * translation on (bit 6), so whatever set the keyboard uses the OS reads scan code set 1. Each
 * byte the keyboard sends raises ISA IRQ 1, which the I/O APIC delivers as VECTOR_KEYBOARD (on the
 * pin the MADT's interrupt source override names, if any: platform.keyboard_gsi).
 *
 * Scan code set 1: a key's press is its "make" code, its release the same code with bit 7 set;
 * keys added after the PC/XT send 0xE0 first. The handler keeps the Shift, Ctrl and Caps Lock
 * state, turns a press into ASCII through a US-layout table and gives it to console_input(), the
 * queue COM1 also feeds. Enter gives '\r' (as a terminal's Enter does), Backspace 0x08.
 */
#include "lib/apic.h"
#include "lib/io.h"
#include "os/kernel.h"

#define PS2_DATA 0x60u
#define PS2_STATUS 0x64u  /* read */
#define PS2_COMMAND 0x64u /* write */
#define STATUS_OUTPUT_FULL 0x01u
#define STATUS_INPUT_FULL 0x02u
#define STATUS_FROM_PORT2 0x20u /* the byte came from the mouse port */

#define CONFIG_PORT1_IRQ 0x01u
#define CONFIG_PORT2_IRQ 0x02u
#define CONFIG_PORT1_CLOCK_OFF 0x10u
#define CONFIG_TRANSLATION 0x40u

#define SC_LEFT_SHIFT 0x2A
#define SC_RIGHT_SHIFT 0x36
#define SC_CTRL 0x1D /* left; right Ctrl is E0 1D */
#define SC_CAPS_LOCK 0x3A
#define SC_KEYPAD_ENTER 0x1C /* after E0 */
#define SC_KEYPAD_SLASH 0x35 /* after E0 */

/* Set 1 make codes 0x00-0x39 (the main block of a US keyboard), unshifted and shifted;
 * 0 for keys that type nothing. Sixteen codes to a line. */
/* clang-format off */
static const char plain[0x3A] = {
    0,   0x1B, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', 0x08, '\t',
    'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\r', 0,   'a', 's',
    'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0,   '\\', 'z', 'x', 'c', 'v',
    'b', 'n', 'm', ',', '.', '/', 0,   '*', 0,   ' ',
};
static const char shifted[0x3A] = {
    0,   0x1B, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', 0x08, '\t',
    'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\r', 0,   'A', 'S',
    'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0,   '|', 'Z', 'X', 'C', 'V',
    'B', 'N', 'M', '<', '>', '?', 0,   '*', 0,   ' ',
};
/* clang-format on */

static int shift_keys; /* which Shift keys are down: bit 0 left, bit 1 right */
static int ctrl, caps_lock, extended;

/* Turns one scan code byte into state changes or a character for the console. */
static void scancode(uint8_t code) {
    if (code == 0xE0) {
        extended = 1;
        return;
    }
    int release = code & 0x80;
    uint8_t key = code & 0x7F;
    int was_extended = extended;
    extended = 0;
    if (key == SC_LEFT_SHIFT || key == SC_RIGHT_SHIFT) {
        if (was_extended) return; /* E0 2A / E0 AA: a fake Shift around some keys */
        int bit = key == SC_LEFT_SHIFT ? 1 : 2;
        shift_keys = release ? shift_keys & ~bit : shift_keys | bit;
        return;
    }
    if (key == SC_CTRL) {
        ctrl = !release;
        return;
    }
    if (release) return;
    if (key == SC_CAPS_LOCK) {
        caps_lock = !caps_lock;
        return;
    }
    if (was_extended) { /* the keypad's Enter and '/'; arrows and the rest type nothing yet */
        if (key == SC_KEYPAD_ENTER) console_input('\r');
        if (key == SC_KEYPAD_SLASH) console_input('/');
        return;
    }
    if (key >= sizeof plain) return;
    char c = shift_keys ? shifted[key] : plain[key];
    if (caps_lock && c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    else if (caps_lock && c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
    if (ctrl && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) c = (char)(c & 0x1F);
    if (c) console_input((uint8_t)c);
}

/* Handles every byte the controller holds (the mouse port's are dropped). */
static void drain(void) {
    for (int i = 0; i < 64; i++) {
        uint8_t status = inb(PS2_STATUS);
        if (!(status & STATUS_OUTPUT_FULL)) return;
        uint8_t code = inb(PS2_DATA);
        if (status & STATUS_FROM_PORT2) continue;
        /* 0xFA (acknowledge), 0xFE (resend) and the error codes 0x00 and 0xFF answer commands
         * or report trouble; they are no key presses. (0xAA, "self-test passed", is also Left
         * Shift's release in set 1, so it stays a key.) */
        if (code == 0xFA || code == 0xFE || code == 0x00 || code == 0xFF) continue;
        scancode(code);
    }
}

static void keyboard_irq(struct int_frame* f) {
    (void)f;
    drain();
    lapic_eoi();
}

/* Waits until the controller can take a command or data byte (bounded: it may be missing). */
static void wait_input_empty(void) {
    for (int i = 0; i < 100000 && (inb(PS2_STATUS) & STATUS_INPUT_FULL); i++)
        __asm__ volatile("pause");
}

/* Returns the controller's next output byte, or -1 if none comes. */
static int read_output(void) {
    for (int i = 0; i < 100000; i++)
        if (inb(PS2_STATUS) & STATUS_OUTPUT_FULL) return inb(PS2_DATA);
    return -1;
}

static void command(uint8_t c) {
    wait_input_empty();
    outb(PS2_COMMAND, c);
}

int keyboard_init(void) {
    command(0xAD); /* disable port 1 */
    command(0xA7); /* disable port 2 */
    /* Empty the output buffer. A machine without a controller reads 0xFF from every port, so
     * its "output full" bit never clears: give up after a few bytes. */
    int flushed = 0;
    while ((inb(PS2_STATUS) & STATUS_OUTPUT_FULL) && flushed < 32) {
        (void)inb(PS2_DATA);
        flushed++;
    }
    if (flushed == 32) {
        kputs("svm-os: no PS/2 controller: input from COM1 only\n");
        return -1;
    }
    command(0x20); /* read the configuration byte */
    int config = read_output();
    if (config < 0) {
        kputs("svm-os: the PS/2 controller does not answer: input from COM1 only\n");
        return -1;
    }
    config = (config | CONFIG_PORT1_IRQ | CONFIG_TRANSLATION) &
             ~(CONFIG_PORT2_IRQ | CONFIG_PORT1_CLOCK_OFF);
    command(0x60); /* write the configuration byte */
    wait_input_empty();
    outb(PS2_DATA, (uint8_t)config);
    irq_route(platform.keyboard_gsi, VECTOR_KEYBOARD, keyboard_irq);
    command(0xAE); /* enable port 1: keys typed (and held) from now on raise IRQ 1 */
    /* A byte that arrived between the two steps raised its edge before the route existed. */
    drain();
    kprintf("svm-os: PS/2 keyboard on I/O APIC pin %u\n", platform.keyboard_gsi);
    return 0;
}
