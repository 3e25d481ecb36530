// A DebugTarget for tests and the fuzzer: two threads, 4 KiB of memory at 0x1000 (its memory
// region, the rest unmapped), a register file per thread, and a record of every call the session
// made.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "gdbstub/debug_target.h"

namespace svm::gdb::testing {

class FakeTarget : public DebugTarget {
public:
    static constexpr uint64_t kMemoryBase = 0x1000;
    static constexpr size_t kMemorySize = 0x1000;

    FakeTarget() {
        memory.resize(kMemorySize);
        const uint32_t words[] = {0xdeadbeef, 0x12345678, 0xcafef00d, 0x0badc0de};
        for (size_t i = 0; i < 16; ++i) memory[i] = uint8_t(words[i / 4] >> (8 * (i % 4)));
        for (ThreadId t : {1, 2}) {
            auto& r = regs[t];
            r.set(x86_64::Rax, 0x1111 * t);
            r.set(x86_64::Rbx, 0xb0b);
            r.set(x86_64::Rsp, 0x1800);
            r.set(x86_64::Rbp, 0x1880);
            r.set(x86_64::Rip, t == 1 ? 0x1000 : 0x1010);
            r.set(x86_64::Eflags, 0x2);
            r.set(x86_64::Cs, 0x8);
            r.set(x86_64::Ss, 0x10);
            r.set(x86_64::Cr0, 0x80000011);
            r.set(x86_64::Cr3, 0x5000);
            r.set(x86_64::Efer, 0x500);
            r.set(x86_64::FsBase, 0x7000);
            r.set(x86_64::CsBase, 0);
            r.set(x86_64::CsLimit, 0xffffffff);
            r.set(x86_64::GdtrBase, 0x6000);
            r.set(x86_64::Mxcsr, 0x1f80);
        }
    }

    // ^DebugTarget
    StopReason attach() override {
        ++attach_calls;
        return attach_reason;
    }
    void detach() override { ++detach_calls; }
    void disconnect_stopped() override {
        ++disconnect_stopped_calls;
        detach();
    }
    void kill() override { ++kill_calls; }
    std::vector<ThreadId> threads() override { return {1, 2}; }
    std::string thread_extra_info(ThreadId thread) override {
        return "vCPU " + std::to_string(thread - 1) + ", long mode, CPL 0 <stopped>";
    }
    TargetResult<x86_64::RegisterFile> read_registers(ThreadId thread) override {
        std::lock_guard lock(regs_mutex);
        if (!regs.contains(thread)) return target_error(3, "no such thread");
        return regs[thread];
    }
    TargetResult<void> write_registers(ThreadId thread, const x86_64::RegisterFile& r) override {
        std::lock_guard lock(regs_mutex);
        if (!regs.contains(thread)) return target_error(3, "no such thread");
        regs[thread] = r;
        return {};
    }
    TargetResult<size_t> read_memory(ThreadId, uint64_t addr, std::span<uint8_t> out) override {
        size_t n = accessible(addr, out.size());
        if (n == 0) return target_error(14, "unmapped");
        std::copy_n(memory.begin() + (addr - kMemoryBase), n, out.begin());
        return n;
    }
    TargetResult<size_t> write_memory(ThreadId, uint64_t addr,
                                      std::span<const uint8_t> in) override {
        size_t n = accessible(addr, in.size());
        if (n == 0) return target_error(14, "unmapped");
        std::copy_n(in.begin(), n, memory.begin() + (addr - kMemoryBase));
        return n;
    }
    bool supports(BreakpointType type) override {
        return type == BreakpointType::Software || type == BreakpointType::Hardware ||
               type == BreakpointType::Write;
    }
    TargetResult<void> insert_breakpoint(BreakpointType type, uint64_t addr,
                                         uint64_t kind) override {
        breakpoints.push_back({type, addr, kind});
        return {};
    }
    TargetResult<void> remove_breakpoint(BreakpointType type, uint64_t addr, uint64_t) override {
        auto it = std::find_if(breakpoints.begin(), breakpoints.end(),
                               [&](auto& b) { return b.type == type && b.addr == addr; });
        if (it == breakpoints.end()) return target_error(2, "no such breakpoint");
        breakpoints.erase(it);
        return {};
    }
    TargetResult<void> resume(std::span<const ResumeAction> actions) override {
        if (fail_resume) return target_error(5, "cannot resume");
        last_resume.assign(actions.begin(), actions.end());
        ++resume_calls;
        if (on_resume) on_resume(last_resume);
        return {};
    }
    void interrupt() override {
        ++interrupt_calls;
        if (on_interrupt) on_interrupt();
    }
    std::optional<std::string> monitor(std::string_view command) override {
        if (command == "hello") return std::string("hello from svm\n");
        if (command == "quiet") return std::string();
        if (command == "big") return std::string(200000, 'x');
        return std::nullopt;
    }
    bool supports_memory_regions() override { return memory_regions; }
    // The memory at kMemoryBase is one readable, writable, executable region named "ram"; the
    // gaps below and above it (to the top of the address space) are unmapped.
    TargetResult<MemoryRegion> memory_region(ThreadId thread, uint64_t addr) override {
        if (!regs.contains(thread)) return target_error(3, "no such thread");
        MemoryRegion region;
        uint64_t end = kMemoryBase + kMemorySize;
        if (addr < kMemoryBase) {
            region.size = kMemoryBase;
        } else if (addr >= end) {
            region.start = end;
            region.size = 0 - end;
        } else {
            region.start = kMemoryBase;
            region.size = kMemorySize;
            region.mapped = region.readable = region.writable = region.executable = true;
            region.name = "ram";
        }
        return region;
    }
    std::string architecture() override { return architecture_name; }
    std::optional<std::string> exec_file() override { return exec_path; }
    TargetResult<std::vector<uint8_t>> read_exec_file(uint64_t offset, size_t length) override {
        if (offset >= exec_bytes.size()) return std::vector<uint8_t>{};
        size_t n = std::min(length, exec_bytes.size() - static_cast<size_t>(offset));
        return std::vector<uint8_t>(exec_bytes.begin() + static_cast<long>(offset),
                                    exec_bytes.begin() + static_cast<long>(offset + n));
    }
    std::optional<uint64_t> exec_file_size() override {
        return exec_path ? std::optional<uint64_t>(exec_bytes.size()) : std::nullopt;
    }

    size_t accessible(uint64_t addr, size_t size) const {
        if (addr < kMemoryBase || addr >= kMemoryBase + kMemorySize) return 0;
        return std::min<uint64_t>(size, kMemoryBase + kMemorySize - addr);
    }

    struct Breakpoint {
        BreakpointType type;
        uint64_t addr;
        uint64_t kind;
    };

    // A register of `thread` as the server thread last wrote it, for a test thread that reads
    // while a session runs (regs itself is set up before the server starts).
    uint64_t register_value(ThreadId thread, int r) {
        std::lock_guard lock(regs_mutex);
        return regs[thread].get(r);
    }

    StopReason attach_reason{};
    std::mutex regs_mutex;  // read_registers/write_registers against register_value
    std::map<ThreadId, x86_64::RegisterFile> regs;
    std::vector<uint8_t> memory;
    std::vector<Breakpoint> breakpoints;
    std::vector<ResumeAction> last_resume;
    std::optional<std::string> exec_path;
    std::string architecture_name = "i386:x86-64";  // architecture(): target.xml's
    std::function<void(const std::vector<ResumeAction>&)> on_resume;
    std::function<void()> on_interrupt;
    bool fail_resume = false;
    bool memory_regions = true;       // supports_memory_regions()
    std::vector<uint8_t> exec_bytes;  // the exec file's contents for vFile
    // Atomic: the server thread counts, the test thread reads.
    std::atomic<int> attach_calls = 0, detach_calls = 0, kill_calls = 0, resume_calls = 0,
                     interrupt_calls = 0, disconnect_stopped_calls = 0;
};

}  // namespace svm::gdb::testing
