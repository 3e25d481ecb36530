/*
 * hh32.elf's kernel: kmain runs in the higher half (0xC01xxxxx) after hh32/boot.S turned paging on.
 * It prints its own address, checks the Multiboot magic (Multiboot Specification 0.6.96, 3.2) and
 * that it runs above 0xC0000000, calls hh32_checkpoint (a breakpoint target) and exits with 0.
 * All output goes to COM1, as a Bare Bones kernel would write it. The second line names the
 * paging path hh32/boot.S took (hh32_paging).
 *
 * The point, for debugger tests: gdb attached at the first instruction (paging off) can set
 * `break kmain` on a higher-half address that is not mapped yet and must stop there.
 */
#include <stdint.h>
#include <svm/hypercall.h>

#include "lib/check.h"
#include "lib/console.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define KERNEL_VMA 0xC0000000u

/* Set by hh32/boot.S: 1 = 32-bit paging with 4 MiB pages, 2 = the IA-32e compatibility-mode
 * fallback for hosts that refuse CR0.PG outside long mode (nested KVM-PVM). */
extern volatile uint32_t hh32_paging;

volatile int hh32_checkpoint_hits; /* written by hh32_checkpoint so the call stays */

__attribute__((noinline)) void hh32_checkpoint(void) {
    hh32_checkpoint_hits++;
    __asm__ volatile("" ::: "memory");
}

void kmain(uint32_t magic, uint32_t mbi) {
    (void)mbi;
    console_use(CONSOLE_COM1);
    uint32_t self = (uint32_t)(uintptr_t)&kmain;
    kprintf("hh32: kmain at 0x%x\n", self);
    kputs(hh32_paging == 1 ? "hh32: paging: 32-bit, 4 MiB pages\n"
                           : "hh32: paging: compatibility mode (host refused 32-bit paging)\n");
    check_eq("multiboot magic", magic, MULTIBOOT_BOOTLOADER_MAGIC);
    check_that("higher half", self >= KERNEL_VMA, "low address", ">= 0xc0000000");
    hh32_checkpoint();
    check_finish(0);
}
