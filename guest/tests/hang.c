/* hang.elf: prints "halting", then halts with interrupts off, forever (for svm's halt handling
 * and --timeout tests). */
#include <svm/machine.h>

#include "lib/console.h"
#include "lib/io.h"

void kmain(const struct svm_machine* m) {
    (void)m;
    kputs("halting\n");
    halt_forever();
}
