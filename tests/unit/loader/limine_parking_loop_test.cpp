// svm's Limine MP parking loop, run for real: the machine code is position-independent x86-64
// that needs no privilege, so a host thread can execute it from an executable mapping with a
// struct svm_limine_mp_info of its own, and the state it hands to goto_address can be checked.
#include <gtest/gtest.h>
#include <svm/limine_protocol.h>
#include <sys/mman.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/loader/limine_loader.h"

namespace svm {

// What the released "processor" saw at goto_address, stored by `record_entry`.
struct Seen {
    uint64_t gprs[16];  // rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8 ... r15
    uint64_t return_address;
    uint64_t rflags;
};
}  // namespace svm

// Fixed, hidden symbol names the assembly below can address RIP-relatively.
extern "C" {
__attribute__((visibility("hidden"))) svm::Seen g_seen;
// The test thread's stack pointer, restored by record_entry.
__attribute__((visibility("hidden"))) uint64_t g_host_rsp;
void record_entry();
}

namespace svm {
namespace {
// record_entry: stores every general register, [rsp] and RFLAGS into g_seen, then returns to
// run_parked's caller on the saved host stack.
asm(R"(
    .text
    .globl record_entry
    .hidden record_entry
record_entry:
    mov %rax, g_seen+0(%rip)
    mov %rbx, g_seen+8(%rip)
    mov %rcx, g_seen+16(%rip)
    mov %rdx, g_seen+24(%rip)
    mov %rsi, g_seen+32(%rip)
    mov %rdi, g_seen+40(%rip)
    mov %rbp, g_seen+48(%rip)
    mov %rsp, g_seen+56(%rip)
    mov %r8, g_seen+64(%rip)
    mov %r9, g_seen+72(%rip)
    mov %r10, g_seen+80(%rip)
    mov %r11, g_seen+88(%rip)
    mov %r12, g_seen+96(%rip)
    mov %r13, g_seen+104(%rip)
    mov %r14, g_seen+112(%rip)
    mov %r15, g_seen+120(%rip)
    mov (%rsp), %rax
    mov %rax, g_seen+128(%rip)
    pushfq
    pop %rax
    mov %rax, g_seen+136(%rip)
    mov g_host_rsp(%rip), %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
)");

// Saves where to come back, the callee-saved registers and the stack pointer, fills every other
// register with junk, and jumps to `loop` with RDI = info. record_entry comes back here.
__attribute__((noinline)) void run_parked(const void* loop, svm_limine_mp_info* info) {
    uint64_t target = reinterpret_cast<uint64_t>(loop), argument = reinterpret_cast<uint64_t>(info);
    asm volatile(R"(
        lea 1f(%%rip), %%rcx
        push %%rcx
        push %%rbx
        push %%rbp
        push %%r12
        push %%r13
        push %%r14
        push %%r15
        mov %%rsp, g_host_rsp(%%rip)
        mov $0x1111, %%rbx
        mov $0x2222, %%rbp
        mov $0x3333, %%r8
        mov $0x4444, %%r12
        mov $0x5555, %%r15
        jmp *%%rax
    1:
    )"
                 : "+a"(target), "+D"(argument)
                 :
                 : "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "memory", "cc");
}

TEST(LimineParkingLoop, SpinsUntilReleasedThenEntersWithTheProtocolState) {
    auto code = limine_parking_loop();
    void* exec =
        mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(exec, MAP_FAILED);
    std::memcpy(exec, code.data(), code.size());
    alignas(16) static uint8_t stack[16384];
    svm_limine_mp_info info{};
    info.reserved = reinterpret_cast<uint64_t>(stack + sizeof stack);
    std::atomic<bool> done{false};
    std::thread cpu([&] {
        run_parked(exec, &info);
        done = true;
    });
    // Parked: nothing happens while goto_address is 0.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(done.load());
    __atomic_store_n(&info.goto_address, reinterpret_cast<uint64_t>(&record_entry),
                     __ATOMIC_RELEASE);
    cpu.join();
    EXPECT_TRUE(done.load());
    EXPECT_EQ(g_seen.gprs[5], reinterpret_cast<uint64_t>(&info));  // RDI
    for (int i : {0, 1, 2, 3, 4, 6, 8, 9, 10, 11, 12, 13, 14, 15})
        EXPECT_EQ(g_seen.gprs[i], 0u) << "register " << i;
    // The stack is the one in `reserved`, with the invalid return address 0 pushed on it.
    EXPECT_EQ(g_seen.gprs[7], info.reserved - 8);
    EXPECT_EQ(g_seen.return_address, 0u);
    EXPECT_EQ(g_seen.gprs[7] % 16, 8u);
    // RFLAGS = 2 as the loop set it (user mode cannot clear IF; the arithmetic flags are clear).
    EXPECT_EQ(g_seen.rflags & 0xcd5, 0u);
    munmap(exec, 4096);
}

}  // namespace
}  // namespace svm
