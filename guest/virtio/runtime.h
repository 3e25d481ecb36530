/*
 * What the virtio test guests share besides the driver: the Multiboot command line, time (the
 * TSC, calibrated against the PIT), finding a device over the transport the command line names,
 * and the exit convention.
 *
 * Exit codes (svm: the process exit code; QEMU with isa-debug-exit: status (code << 1) | 1):
 *   0  every check passed               (QEMU 1)
 *   1  a check failed                   (QEMU 3)
 *   2  no device of the wanted type     (QEMU 5)
 *   3  timed out waiting for the device or the network (QEMU 7)
 */
#ifndef GUEST_VIRTIO_RUNTIME_H
#define GUEST_VIRTIO_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "virtio/virtio.h"

#define EXIT_OK 0u
#define EXIT_CHECKS 1u
#define EXIT_NO_DEVICE 2u
#define EXIT_TIMEOUT 3u

/* The test's body, called with the console on COM1 and the clock calibrated. Returns the exit
 * code (EXIT_OK is turned into EXIT_CHECKS if any check failed). */
unsigned test_main(void);

/* Prints SUCCESS/FAILURE (when code is EXIT_OK/EXIT_CHECKS), then exits through svm's
 * SVM_HC_EXIT and, where that port is ignored (QEMU), isa-debug-exit at 0xF4. */
__attribute__((noreturn)) void finish(unsigned code);

/* The command line: "KERNEL key=value word ..." as QEMU's -append and svm's --cmdline pass it. */
const char* cmdline(void);
/* Copies the value of "key=" into out (at most n - 1 bytes). Returns 1 if present, else 0. */
int cmd_value(const char* key, char* out, size_t n);
/* The number after "key=" (decimal, or hex with 0x), or fallback. */
uint64_t cmd_number(const char* key, uint64_t fallback);
/* True if the word appears on its own ("verify", "ro"). */
int cmd_flag(const char* word);

/* True if svm booted us (its machine table was in ESI at entry and is valid). */
int on_svm(void);

/* Microseconds since boot, by the TSC. */
uint64_t now_us(void);
/* Busy-waits. */
void delay_us(uint64_t us);

/* Finds the first device of `device_id` on the transport the command line asks for:
 * transport=pci, transport=mmio, or (default) PCI first and then virtio-mmio. The mmio windows
 * are at mmio=ADDR (count mmio_count=N, default 8), else svm's 0xFEB01000 + 0x200 * n (n < 8);
 * without transport=mmio or mmio=, they are probed only under svm (on a PC those addresses may
 * belong to some PCI BAR). Prints what it found. Returns 0 or -1. */
int virtio_find(uint32_t device_id, struct virtio_dev* dev);

/* Byte order helpers for the network guest. */
static inline uint16_t htons(uint16_t v) {
    return (uint16_t)((v << 8) | (v >> 8));
}
static inline uint32_t htonl(uint32_t v) {
    return __builtin_bswap32(v);
}
#define ntohs htons
#define ntohl htonl

#endif /* GUEST_VIRTIO_RUNTIME_H */
