/* spin.elf: prints "spinning", then loops forever with interrupts off and never halts (for
 * --timeout tests and interrupting a running guest from gdb). */
#include <svm/machine.h>

#include "lib/console.h"

volatile unsigned long spin_count; /* visible to a debugger: it keeps growing */

void kmain(const struct svm_machine* m) {
    (void)m;
    __asm__ volatile("cli");
    kputs("spinning\n");
    for (;;) spin_count++;
}
