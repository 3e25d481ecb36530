#include "lib/format.h"

#include "lib/mem.h"

/* Divides *n by base in place and returns the remainder. On i386 the 64-by-32 division is done
 * as two `divl` steps (Intel SDM Vol. 2A, DIV) so no libgcc __udivdi3 is needed. */
static unsigned divmod(uint64_t* n, unsigned base) {
#if defined(__i386__)
    uint32_t hi = (uint32_t)(*n >> 32);
    uint32_t lo = (uint32_t)*n;
    uint32_t qhi = hi / base;
    uint32_t rem = hi % base;
    uint32_t qlo;
    __asm__("divl %4" : "=a"(qlo), "=d"(rem) : "a"(lo), "d"(rem), "rm"(base));
    *n = ((uint64_t)qhi << 32) | qlo;
    return rem;
#else
    unsigned rem = (unsigned)(*n % base);
    *n /= base;
    return rem;
#endif
}

size_t format_unsigned(char* buf, uint64_t v, unsigned base, unsigned min_digits) {
    char tmp[65];
    size_t n = 0;
    if (base < 2 || base > 16) base = 10;
    if (min_digits > 64) min_digits = 64;
    do {
        tmp[n++] = "0123456789abcdef"[divmod(&v, base)];
    } while (v != 0);
    while (n < min_digits) tmp[n++] = '0';
    for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

/* Output cursor that counts every character but stores only what fits. */
struct sink {
    char* buf;
    size_t size;
    size_t len;
};

static void emit(struct sink* s, char c) {
    if (s->len + 1 < s->size) s->buf[s->len] = c;
    s->len++;
}

static void emit_padded(struct sink* s, const char* str, size_t n, unsigned width, int left,
                        char pad) {
    size_t fill = width > n ? width - n : 0;
    if (!left) {
        /* Zero padding goes after a sign. */
        if (pad == '0' && n > 0 && *str == '-') {
            emit(s, *str++);
            n--;
        }
        while (fill--) emit(s, pad);
        while (n--) emit(s, *str++);
        return;
    }
    while (n--) emit(s, *str++);
    while (fill--) emit(s, ' ');
}

size_t vformat(char* buf, size_t size, const char* fmt, va_list args) {
    struct sink s = {buf, size, 0};
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(&s, *fmt);
            continue;
        }
        fmt++;
        int left = 0;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-') {
                left = 1;
            } else if (*fmt == '0') {
                pad = '0';
            } else {
                break;
            }
        }
        unsigned width = 0;
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (unsigned)(*fmt++ - '0');
        int longs = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            longs += *fmt == 'z' ? 2 : 1;
            fmt++;
        }
        char num[80];
        switch (*fmt) {
            case 's': {
                const char* str = va_arg(args, const char*);
                if (!str) str = "(null)";
                emit_padded(&s, str, strlen(str), width, left, ' ');
                break;
            }
            case 'c':
                num[0] = (char)va_arg(args, int);
                emit_padded(&s, num, 1, width, left, ' ');
                break;
            case 'd':
            case 'i': {
                int64_t v = longs >= 2   ? va_arg(args, long long)
                            : longs == 1 ? va_arg(args, long)
                                         : va_arg(args, int);
                uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
                size_t n = 0;
                if (v < 0) num[n++] = '-';
                n += format_unsigned(num + n, mag, 10, 1);
                emit_padded(&s, num, n, width, left, pad);
                break;
            }
            case 'u':
            case 'x': {
                uint64_t v = longs >= 2   ? va_arg(args, unsigned long long)
                             : longs == 1 ? va_arg(args, unsigned long)
                                          : va_arg(args, unsigned);
                size_t n = format_unsigned(num, v, *fmt == 'x' ? 16 : 10, 1);
                emit_padded(&s, num, n, width, left, pad);
                break;
            }
            case 'p': {
                uintptr_t v = (uintptr_t)va_arg(args, void*);
                num[0] = '0';
                num[1] = 'x';
                size_t n = 2 + format_unsigned(num + 2, v, 16, sizeof(void*) * 2);
                emit_padded(&s, num, n, width, left, ' ');
                break;
            }
            case '%':
                emit(&s, '%');
                break;
            case '\0':
                fmt--; /* A lone % at the end: stop at the NUL. */
                break;
            default:
                emit(&s, '%');
                emit(&s, *fmt);
                break;
        }
    }
    if (size) buf[s.len < size ? s.len : size - 1] = '\0';
    return s.len;
}

size_t format(char* buf, size_t size, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    size_t n = vformat(buf, size, fmt, args);
    va_end(args);
    return n;
}
