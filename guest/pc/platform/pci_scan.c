/*
 * pci_scan.elf: probes PCI configuration mechanism #1 (PCI Local Bus Specification 3.0,
 * 3.2.2.3.2; OSDev wiki "PCI", brute-force scan) and prints every function on buses 0-255:
 *     pci BB:DD.F VVVV:DDDD class CCSSPP header HH
 * then "pci functions: N". Checks that 00:00.0 is a host bridge (class 06, subclass 00).
 * Multiboot 1, 32-bit, COM1 console.
 */
#include <stdint.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"
#include "pc/platform/platform.h"

#define CONFIG_ADDRESS 0xCF8
#define CONFIG_DATA 0xCFC

static uint32_t config_read(uint32_t bus, uint32_t dev, uint32_t fn, uint32_t reg) {
    outl(CONFIG_ADDRESS, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xFC));
    return inl(CONFIG_DATA);
}

void kernel_main(void) {
    console_use(CONSOLE_COM1);
    kputs("pci_scan: scanning every bus\n");

    /* The mechanism #1 probe: CONFIG_ADDRESS reads back what was written. */
    outl(CONFIG_ADDRESS, 0x80000000u);
    check_eq("config address reads back", inl(CONFIG_ADDRESS), 0x80000000u);

    unsigned found = 0;
    int host_bridge = 0;
    for (uint32_t bus = 0; bus < 256; ++bus) {
        for (uint32_t dev = 0; dev < 32; ++dev) {
            uint32_t functions = 1;
            for (uint32_t fn = 0; fn < functions; ++fn) {
                uint32_t id = config_read(bus, dev, fn, 0x00);
                if ((id & 0xFFFF) == 0xFFFF) continue;
                uint32_t class_rev = config_read(bus, dev, fn, 0x08);
                uint32_t header = (config_read(bus, dev, fn, 0x0C) >> 16) & 0xFF;
                if (fn == 0 && (header & 0x80)) functions = 8;
                kprintf("pci %02x:%02x.%u %04x:%04x class %06x header %02x\n", bus, dev, fn,
                        id & 0xFFFF, id >> 16, class_rev >> 8, header);
                if (bus == 0 && dev == 0 && fn == 0) host_bridge = (class_rev >> 16) == 0x0600;
                ++found;
            }
        }
    }
    kprintf("pci functions: %u\n", found);
    check_that("00:00.0 is a host bridge", host_bridge, "no", "class 0600");
    /* An empty slot reads all-ones. */
    check_eq("empty slot", config_read(0, 31, 7, 0), 0xFFFFFFFFu);
    platform_finish();
}
