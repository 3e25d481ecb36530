/*
 * A polling i8042 driver for svm's input test guests, written from the OSDev wiki's "8042 PS/2
 * Controller" page (initialisation steps 1-10) and "PS/2 Keyboard". Works in 32- and 64-bit mode.
 */
#ifndef GUEST_PC_INPUT_PS2_H
#define GUEST_PC_INPUT_PS2_H

#include <stdint.h>

#define PS2_DATA 0x60u
#define PS2_STATUS 0x64u  /* read */
#define PS2_COMMAND 0x64u /* write */
#define PS2_STATUS_OUTPUT_FULL 0x01u
#define PS2_STATUS_INPUT_FULL 0x02u

/* Returns the next byte from the controller, or -1 if none arrived within `polls` status reads. */
int ps2_read(uint32_t polls);

/* Writes a controller command (port 0x64), waiting (bounded) for the input buffer to be empty. */
void ps2_command(uint8_t command);

/* Writes a data byte (port 0x60): a command's argument or a byte for the keyboard. */
void ps2_write(uint8_t value);

/* Initialises the controller the OSDev way: disables both ports, flushes the output buffer,
 * clears the port interrupts and sets translation (bit 6) in the configuration byte, runs the
 * controller self-test (0xAA -> 0x55) and the port-1 interface test (0xAB -> 0x00), enables port 1
 * and resets the keyboard (0xFF -> 0xFA 0xAA). Reports each step with the check lib. Returns 0 if
 * every step answered as expected. */
int ps2_init(void);

#endif /* GUEST_PC_INPUT_PS2_H */
