/* debugexit.elf: writes 0x10 to the isa-debug-exit port 0xF4, so svm exits with
 * (0x10 << 1) | 1 = 0x21 = 33. */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/console.h"
#include "lib/io.h"

void kmain(const struct svm_machine* m) {
    (void)m;
    kputs("writing 0x10 to port 0xf4\n");
    outb(0xF4, 0x10);
    kputs("FAILED: still running after the debug-exit write\n");
    svm_exit(1);
}
