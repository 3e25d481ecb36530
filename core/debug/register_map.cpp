#include "core/debug/register_map.h"

#include <cstring>
#include <tuple>
#include <utility>

namespace svm {

using namespace gdb::x86_64;

namespace {

uint32_t attributes(const Segment& s) {
    return pack_segment_attributes(s.type, s.s, s.dpl, s.present, s.avl, s.l, s.db, s.g,
                                   s.unusable);
}

void set_attributes(Segment& s, uint32_t a) {
    s.type = a & 0xf;
    s.s = a >> 4 & 1;
    s.dpl = a >> 5 & 3;
    s.present = a >> 7 & 1;
    s.avl = a >> 12 & 1;
    s.l = a >> 13 & 1;
    s.db = a >> 14 & 1;
    s.g = a >> 15 & 1;
    s.unusable = a >> 16 & 1;
}

// The full x87 tag word from the FXSAVE-style abridged one (Intel SDM Vol. 1, 10.5.1.1): an
// empty register is 11b; others are reported valid (00b), which is what gdb needs to show them.
uint32_t full_tag_word(uint8_t abridged) {
    uint32_t tag = 0;
    for (int i = 0; i < 8; ++i)
        if (!(abridged >> i & 1)) tag |= 3u << (2 * i);
    return tag;
}

uint8_t abridged_tag_word(uint32_t full) {
    uint8_t tag = 0;
    for (int i = 0; i < 8; ++i)
        if ((full >> (2 * i) & 3) != 3) tag |= 1u << i;
    return tag;
}

struct SegmentRegs {
    Segment CpuState::*segment;
    int selector, base, limit, attr;
};

}  // namespace

uint64_t gdb_pc(const CpuState& s) {
    return (s.cr0 & x86::CR0_PE) ? s.rip : s.cs.base + (s.rip & 0xffff);
}

RegisterFile to_gdb(const VcpuRegisters& r) {
    const CpuState& s = r.state;
    RegisterFile f;
    const uint64_t gprs[16] = {s.rax, s.rbx, s.rcx, s.rdx, s.rsi, s.rdi, s.rbp, s.rsp,
                               s.r8,  s.r9,  s.r10, s.r11, s.r12, s.r13, s.r14, s.r15};
    for (int i = 0; i < 16; ++i) f.set(Rax + i, gprs[i]);
    f.set(Rip, gdb_pc(s));
    f.set(Eflags, s.rflags);
    f.set(Cs, s.cs.selector), f.set(Ss, s.ss.selector), f.set(Ds, s.ds.selector);
    f.set(Es, s.es.selector), f.set(Fs, s.fs.selector), f.set(Gs, s.gs.selector);
    for (int i = 0; i < 8; ++i) std::memcpy(f.bytes(St0 + i).data(), r.fpu.fpr[i], 10);
    f.set(Fctrl, r.fpu.fcw);
    f.set(Fstat, r.fpu.fsw);
    f.set(Ftag, full_tag_word(r.fpu.ftwx));
    f.set(Fiseg, 0);
    f.set(Fioff, r.fpu.last_ip);
    f.set(Foseg, 0);
    f.set(Fooff, r.fpu.last_dp);
    f.set(Fop, r.fpu.last_opcode);
    for (int i = 0; i < 16; ++i) std::memcpy(f.bytes(Xmm0 + i).data(), r.fpu.xmm[i], 16);
    f.set(Mxcsr, r.fpu.mxcsr);
    f.set(FsBase, s.fs.base);
    f.set(GsBase, s.gs.base);
    f.set(KGsBase, r.kernel_gs_base);
    f.set(Cr0, s.cr0), f.set(Cr2, s.cr2), f.set(Cr3, s.cr3), f.set(Cr4, s.cr4);
    f.set(Cr8, s.cr8), f.set(Efer, s.efer);
    const SegmentRegs segs[] = {{&CpuState::cs, -1, CsBase, CsLimit, CsAttr},
                                {&CpuState::ss, -1, SsBase, SsLimit, SsAttr},
                                {&CpuState::ds, -1, DsBase, DsLimit, DsAttr},
                                {&CpuState::es, -1, EsBase, EsLimit, EsAttr},
                                {&CpuState::fs, -1, -1, FsLimit, FsAttr},
                                {&CpuState::gs, -1, -1, GsLimit, GsAttr},
                                {&CpuState::ldt, Ldtr, LdtrBase, LdtrLimit, LdtrAttr},
                                {&CpuState::tr, Tr, TrBase, TrLimit, TrAttr}};
    for (const auto& g : segs) {
        const Segment& seg = s.*g.segment;
        if (g.selector >= 0) f.set(g.selector, seg.selector);
        if (g.base >= 0) f.set(g.base, seg.base);
        f.set(g.limit, seg.limit);
        f.set(g.attr, attributes(seg));
    }
    f.set(GdtrBase, s.gdt.base), f.set(GdtrLimit, s.gdt.limit);
    f.set(IdtrBase, s.idt.base), f.set(IdtrLimit, s.idt.limit);
    return f;
}

void from_gdb(const RegisterFile& f, VcpuRegisters& r) {
    CpuState& s = r.state;
    uint64_t* gprs[16] = {&s.rax, &s.rbx, &s.rcx, &s.rdx, &s.rsi, &s.rdi, &s.rbp, &s.rsp,
                          &s.r8,  &s.r9,  &s.r10, &s.r11, &s.r12, &s.r13, &s.r14, &s.r15};
    for (int i = 0; i < 16; ++i) *gprs[i] = f.get(Rax + i);
    s.rflags = f.get(Eflags) | x86::RFLAGS_FIXED;
    for (int i = 0; i < 8; ++i) std::memcpy(r.fpu.fpr[i], f.bytes(St0 + i).data(), 10);
    r.fpu.fcw = static_cast<uint16_t>(f.get(Fctrl));
    r.fpu.fsw = static_cast<uint16_t>(f.get(Fstat));
    r.fpu.ftwx = abridged_tag_word(static_cast<uint32_t>(f.get(Ftag)));
    r.fpu.last_ip = f.get(Fioff);
    r.fpu.last_dp = f.get(Fooff);
    r.fpu.last_opcode = static_cast<uint16_t>(f.get(Fop));
    for (int i = 0; i < 16; ++i) std::memcpy(r.fpu.xmm[i], f.bytes(Xmm0 + i).data(), 16);
    r.fpu.mxcsr = static_cast<uint32_t>(f.get(Mxcsr));
    s.fs.base = f.get(FsBase);
    s.gs.base = f.get(GsBase);
    r.kernel_gs_base = f.get(KGsBase);
    s.cr0 = f.get(Cr0), s.cr2 = f.get(Cr2), s.cr3 = f.get(Cr3), s.cr4 = f.get(Cr4);
    s.cr8 = f.get(Cr8), s.efer = f.get(Efer);
    const std::tuple<Segment CpuState::*, int, int, int> hidden[] = {
        {&CpuState::cs, CsBase, CsLimit, CsAttr},
        {&CpuState::ss, SsBase, SsLimit, SsAttr},
        {&CpuState::ds, DsBase, DsLimit, DsAttr},
        {&CpuState::es, EsBase, EsLimit, EsAttr},
        {&CpuState::fs, -1, FsLimit, FsAttr},
        {&CpuState::gs, -1, GsLimit, GsAttr},
        {&CpuState::ldt, LdtrBase, LdtrLimit, LdtrAttr},
        {&CpuState::tr, TrBase, TrLimit, TrAttr}};
    for (auto [segment, base, limit, attr] : hidden) {
        Segment& seg = s.*segment;
        if (base >= 0) seg.base = f.get(base);
        seg.limit = static_cast<uint32_t>(f.get(limit));
        set_attributes(seg, static_cast<uint32_t>(f.get(attr)));
    }
    // Selectors last: in real mode a new selector also moves its segment's base, as loading it
    // would (SDM Vol. 3A, 20.1.1).
    const bool real = !(s.cr0 & x86::CR0_PE);
    const std::pair<Segment CpuState::*, int> selectors[] = {
        {&CpuState::cs, Cs}, {&CpuState::ss, Ss}, {&CpuState::ds, Ds},
        {&CpuState::es, Es}, {&CpuState::fs, Fs}, {&CpuState::gs, Gs}};
    for (auto [segment, reg] : selectors) {
        Segment& seg = s.*segment;
        uint16_t selector = static_cast<uint16_t>(f.get(reg));
        if (selector != seg.selector && real) seg.base = uint64_t{selector} << 4;
        seg.selector = selector;
    }
    // In real mode gdb's pc is linear: IP is what is left after the (possibly new) CS base.
    s.rip = real ? (f.get(Rip) - s.cs.base) & 0xffff : f.get(Rip);
    s.ldt.selector = static_cast<uint16_t>(f.get(Ldtr));
    s.tr.selector = static_cast<uint16_t>(f.get(Tr));
    s.gdt = {f.get(GdtrBase), static_cast<uint16_t>(f.get(GdtrLimit))};
    s.idt = {f.get(IdtrBase), static_cast<uint16_t>(f.get(IdtrLimit))};
}

}  // namespace svm
