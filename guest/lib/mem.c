/* memcpy and memset use the string instructions (`rep movs`, `rep stos`; Intel SDM Vol. 2B),
 * a word at a time and then the odd bytes: where guest kernel code runs under KVM's instruction
 * emulator (nested KVM-PVM hosts, about 2 million instructions a second), one string instruction
 * replaces a loop of several emulated instructions per byte, which made clearing a 1 MiB heap or
 * a framebuffer take seconds. They rely on the ABI's clear direction flag, which no guest code
 * sets. The rest are simple loops. */
#include "lib/mem.h"

#include <stdint.h>

#if defined(__x86_64__)
#define WORD_SIZE 8u
#define REP_MOVS_WORD "rep movsq"
#define REP_STOS_WORD "rep stosq"
typedef uint64_t word_t;
#else
#define WORD_SIZE 4u
#define REP_MOVS_WORD "rep movsl"
#define REP_STOS_WORD "rep stosl"
typedef uint32_t word_t;
#endif

void* memcpy(void* dst, const void* src, size_t n) {
    void* d = dst;
    const void* s = src;
    size_t words = n / WORD_SIZE, bytes = n % WORD_SIZE;
    __asm__ volatile(REP_MOVS_WORD : "+D"(d), "+S"(s), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
    return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
    unsigned char* d = dst;
    const unsigned char* s = src;
    if (d < s || d >= s + n) {
        return memcpy(dst, src, n); /* forward copying never overwrites a byte still to be read */
    } else {
        while (n--) d[n] = s[n];
    }
    return dst;
}

void* memset(void* dst, int c, size_t n) {
    void* d = dst;
    word_t pattern = (word_t)0x0101010101010101ull * (unsigned char)c;
    size_t words = n / WORD_SIZE, bytes = n % WORD_SIZE;
    __asm__ volatile(REP_STOS_WORD : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(pattern) : "memory");
    return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
    const unsigned char* x = a;
    const unsigned char* y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y) return *x < *y ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char* s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

size_t strnlen(const char* s, size_t max) {
    size_t n = 0;
    while (n < max && s[n]) n++;
    return n;
}

int strcmp(const char* a, const char* b) {
    while (*a && *a == *b) a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}
