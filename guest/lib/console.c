#include "lib/console.h"

#include <stdarg.h>
#include <svm/hypercall.h>

#include "lib/com1.h"
#include "lib/format.h"
#include "lib/mem.h"

static enum console_sink current_sink = CONSOLE_HYPERCALL;
static void (*custom_writer)(const char* s, size_t n);

void console_use(enum console_sink sink) {
    current_sink = sink;
}

void console_set_writer(void (*writer)(const char* s, size_t n)) {
    custom_writer = writer;
    current_sink = CONSOLE_CUSTOM;
}

void console_write(const char* s, size_t n) {
    if (n == 0) return;
    if (current_sink == CONSOLE_CUSTOM && custom_writer) {
        custom_writer(s, n);
    } else if (current_sink == CONSOLE_COM1) {
        com1_write(s, n);
    } else {
        svm_write(s, n);
    }
}

void kputs(const char* s) {
    console_write(s, strlen(s));
}

size_t kprintf(const char* fmt, ...) {
    char line[256];
    va_list args;
    va_start(args, fmt);
    size_t n = vformat(line, sizeof(line), fmt, args);
    va_end(args);
    if (n >= sizeof(line)) n = sizeof(line) - 1;
    console_write(line, n);
    return n;
}
