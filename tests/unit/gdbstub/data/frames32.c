// A three-frame 32-bit program for elf32_test.cpp: gdb unwinds leaf -> middle -> _start from the
// stack the test builds by hand. Built by tests/CMakeLists.txt with -m32 -g -O0 at 0x1100.
volatile int sink;

__attribute__((noinline)) int leaf(int x) {
    sink = x;
    return x * 3;
}

__attribute__((noinline)) int middle(int x) {
    return leaf(x + 1) + 1;
}

void _start(void) {
    sink = middle(41);
    for (;;) {
    }
}
