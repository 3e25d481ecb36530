#include "core/kvm/kvm_state.h"

namespace svm {

namespace {

Segment to_segment(const kvm_segment& k) {
    Segment s;
    s.base = k.base;
    s.limit = k.limit;
    s.selector = k.selector;
    s.type = k.type;
    s.present = k.present;
    s.dpl = k.dpl;
    s.db = k.db;
    s.s = k.s;
    s.l = k.l;
    s.g = k.g;
    s.avl = k.avl;
    s.unusable = k.unusable;
    return s;
}

kvm_segment from_segment(const Segment& s) {
    kvm_segment k{};
    k.base = s.base;
    k.limit = s.limit;
    k.selector = s.selector;
    k.type = s.type;
    k.present = s.present;
    k.dpl = s.dpl;
    k.db = s.db;
    k.s = s.s;
    k.l = s.l;
    k.g = s.g;
    k.avl = s.avl;
    k.unusable = s.unusable;
    return k;
}

}  // namespace

CpuState to_cpu_state(const kvm_regs& r, const kvm_sregs& s) {
    CpuState c;
    c.rax = r.rax, c.rbx = r.rbx, c.rcx = r.rcx, c.rdx = r.rdx;
    c.rsi = r.rsi, c.rdi = r.rdi, c.rsp = r.rsp, c.rbp = r.rbp;
    c.r8 = r.r8, c.r9 = r.r9, c.r10 = r.r10, c.r11 = r.r11;
    c.r12 = r.r12, c.r13 = r.r13, c.r14 = r.r14, c.r15 = r.r15;
    c.rip = r.rip, c.rflags = r.rflags;
    c.cs = to_segment(s.cs), c.ds = to_segment(s.ds), c.es = to_segment(s.es);
    c.fs = to_segment(s.fs), c.gs = to_segment(s.gs), c.ss = to_segment(s.ss);
    c.tr = to_segment(s.tr), c.ldt = to_segment(s.ldt);
    c.gdt = {s.gdt.base, s.gdt.limit};
    c.idt = {s.idt.base, s.idt.limit};
    c.cr0 = s.cr0, c.cr2 = s.cr2, c.cr3 = s.cr3, c.cr4 = s.cr4, c.cr8 = s.cr8;
    c.efer = s.efer;
    c.apic_base = s.apic_base;
    return c;
}

Result<std::pair<kvm_regs, kvm_sregs>> from_cpu_state(const CpuState& c, const kvm_sregs& current) {
    kvm_regs r{};
    r.rax = c.rax, r.rbx = c.rbx, r.rcx = c.rcx, r.rdx = c.rdx;
    r.rsi = c.rsi, r.rdi = c.rdi, r.rsp = c.rsp, r.rbp = c.rbp;
    r.r8 = c.r8, r.r9 = c.r9, r.r10 = c.r10, r.r11 = c.r11;
    r.r12 = c.r12, r.r13 = c.r13, r.r14 = c.r14, r.r15 = c.r15;
    r.rip = c.rip, r.rflags = c.rflags;
    kvm_sregs s = current;
    s.cs = from_segment(c.cs), s.ds = from_segment(c.ds), s.es = from_segment(c.es);
    s.fs = from_segment(c.fs), s.gs = from_segment(c.gs), s.ss = from_segment(c.ss);
    s.tr = from_segment(c.tr), s.ldt = from_segment(c.ldt);
    s.gdt.base = c.gdt.base, s.gdt.limit = c.gdt.limit;
    s.idt.base = c.idt.base, s.idt.limit = c.idt.limit;
    s.cr0 = c.cr0, s.cr2 = c.cr2, s.cr3 = c.cr3, s.cr4 = c.cr4, s.cr8 = c.cr8;
    s.efer = c.efer;
    return std::pair{r, s};
}

}  // namespace svm
