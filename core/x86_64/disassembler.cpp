#include "core/x86_64/disassembler.h"

#include <Zydis/Zydis.h>
#include <fmt/format.h>

namespace svm {

namespace {

// The decoder for `bits`-bit code. Real-mode and 16-bit protected code decode alike.
bool init_decoder(ZydisDecoder& decoder, int bits) {
    switch (bits) {
        case 16:
            return ZYAN_SUCCESS(
                ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_REAL_16, ZYDIS_STACK_WIDTH_16));
        case 32:
            return ZYAN_SUCCESS(
                ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32));
        case 64:
            return ZYAN_SUCCESS(
                ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64));
    }
    return false;
}

std::string hex_bytes(std::span<const uint8_t> bytes) {
    std::string out;
    for (uint8_t b : bytes) {
        if (!out.empty()) out += ' ';
        out += fmt::format("{:02x}", b);
    }
    return out;
}

bool is_x87(const ZydisDecodedInstruction& insn) {
    return insn.meta.isa_ext == ZYDIS_ISA_EXT_X87 || insn.meta.category == ZYDIS_CATEGORY_X87_ALU ||
           insn.meta.category == ZYDIS_CATEGORY_FCMOV;
}

bool is_xsave(const ZydisDecodedInstruction& insn) {
    switch (insn.meta.isa_ext) {
        case ZYDIS_ISA_EXT_XSAVE:
        case ZYDIS_ISA_EXT_XSAVEC:
        case ZYDIS_ISA_EXT_XSAVEOPT:
        case ZYDIS_ISA_EXT_XSAVES:
            return true;
        default:
            break;
    }
    return insn.mnemonic == ZYDIS_MNEMONIC_XGETBV || insn.mnemonic == ZYDIS_MNEMONIC_XSETBV;
}

bool is_sse_family(const ZydisDecodedInstruction& insn) {
    switch (insn.meta.isa_ext) {
        case ZYDIS_ISA_EXT_SSE:
        case ZYDIS_ISA_EXT_SSE2:
        case ZYDIS_ISA_EXT_SSE3:
        case ZYDIS_ISA_EXT_SSSE3:
        case ZYDIS_ISA_EXT_SSE4:
        case ZYDIS_ISA_EXT_SSE4A:
        case ZYDIS_ISA_EXT_MMX:
        case ZYDIS_ISA_EXT_AMD3DNOW:
        case ZYDIS_ISA_EXT_AES:
        case ZYDIS_ISA_EXT_PCLMULQDQ:
        case ZYDIS_ISA_EXT_SHA:
        case ZYDIS_ISA_EXT_GFNI:
            return true;
        default:
            return false;
    }
}

// SSE instructions KVM's emulator does implement (arch/x86/kvm/emulate.c: the 0F 10/11, 0F 28/29,
// 0F 2B, 0F 6F/7F and 0F E7 move opcodes, fxsave/fxrstor), measured in /work/shared/KVM-NOTES.md,
// plus fences and prefetches that do not touch vector registers.
bool is_emulated_sse(const ZydisDecodedInstruction& insn) {
    switch (insn.mnemonic) {
        case ZYDIS_MNEMONIC_MOVUPS:
        case ZYDIS_MNEMONIC_MOVUPD:
        case ZYDIS_MNEMONIC_MOVAPS:
        case ZYDIS_MNEMONIC_MOVAPD:
        case ZYDIS_MNEMONIC_MOVDQA:
        case ZYDIS_MNEMONIC_MOVDQU:
        case ZYDIS_MNEMONIC_MOVNTPS:
        case ZYDIS_MNEMONIC_MOVNTPD:
        case ZYDIS_MNEMONIC_MOVNTDQ:
        case ZYDIS_MNEMONIC_FXSAVE:
        case ZYDIS_MNEMONIC_FXSAVE64:
        case ZYDIS_MNEMONIC_FXRSTOR:
        case ZYDIS_MNEMONIC_FXRSTOR64:
        case ZYDIS_MNEMONIC_SFENCE:
        case ZYDIS_MNEMONIC_LFENCE:
        case ZYDIS_MNEMONIC_MFENCE:
        case ZYDIS_MNEMONIC_CLFLUSH:
        case ZYDIS_MNEMONIC_PAUSE:
            return true;
        default:
            return insn.meta.category == ZYDIS_CATEGORY_PREFETCH;
    }
}

bool is_unemulated_integer(const ZydisDecodedInstruction& insn) {
    switch (insn.mnemonic) {
        case ZYDIS_MNEMONIC_POPCNT:
        case ZYDIS_MNEMONIC_CMPXCHG16B:
        case ZYDIS_MNEMONIC_RDTSCP:
        case ZYDIS_MNEMONIC_CRC32:
            return true;
        default:
            break;
    }
    return insn.meta.isa_ext == ZYDIS_ISA_EXT_BMI1 || insn.meta.isa_ext == ZYDIS_ISA_EXT_BMI2 ||
           insn.meta.isa_ext == ZYDIS_ISA_EXT_TBM;
}

constexpr const char* kWhere =
    "the host's KVM instruction emulator cannot execute it in kernel mode (nested KVM-PVM)";

}  // namespace

std::vector<Instruction> disassemble(std::span<const uint8_t> code, uint64_t address, int bits,
                                     size_t max_count) {
    std::vector<Instruction> out;
    ZydisDecoder decoder;
    ZydisFormatter formatter;
    if (!init_decoder(decoder, bits) ||
        !ZYAN_SUCCESS(ZydisFormatterInit(&formatter, ZYDIS_FORMATTER_STYLE_INTEL)))
        return out;
    const uint64_t address_mask = bits == 64 ? ~0ull : bits == 32 ? 0xFFFF'FFFFull : 0xFFFFull;
    size_t offset = 0;
    while (offset < code.size() && out.size() < max_count) {
        Instruction insn;
        insn.address = address + offset;
        ZydisDecodedInstruction decoded;
        ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
        char text[256];
        if (ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, code.data() + offset,
                                                code.size() - offset, &decoded, operands)) &&
            ZYAN_SUCCESS(ZydisFormatterFormatInstruction(
                &formatter, &decoded, operands, decoded.operand_count_visible, text, sizeof(text),
                insn.address & address_mask, nullptr))) {
            insn.length = decoded.length;
            insn.text = text;
            insn.valid = true;
        } else {
            insn.length = 1;
            insn.text = "(bad)";
        }
        insn.bytes_hex = hex_bytes(code.subspan(offset, insn.length));
        offset += insn.length;
        out.push_back(std::move(insn));
    }
    return out;
}

std::string emulation_failure_hint(std::span<const uint8_t> insn_bytes, int bits) {
    ZydisDecoder decoder;
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
    if (!init_decoder(decoder, bits) ||
        !ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, insn_bytes.data(), insn_bytes.size(), &insn,
                                             operands)))
        return {};
    const char* mnemonic = ZydisMnemonicGetString(insn.mnemonic);

    switch (insn.mnemonic) {
        case ZYDIS_MNEMONIC_INT:
        case ZYDIS_MNEMONIC_INT1:
        case ZYDIS_MNEMONIC_INT3:
        case ZYDIS_MNEMONIC_INTO:
            // Real-mode software interrupts are delivered through the IVT and work.
            if (bits == 16) return {};
            return fmt::format(
                "software interrupt ({}): {}; int n, int3 and int1 stop the guest there. Raise "
                "exceptions another way in tests, and use svm's debugger (hardware breakpoints) "
                "instead of int3",
                mnemonic, kWhere);
        case ZYDIS_MNEMONIC_IRET:
        case ZYDIS_MNEMONIC_IRETD:
            if (bits != 32) return {};
            return fmt::format(
                "iret in 32-bit protected mode: {}, so a 32-bit guest cannot return from an "
                "interrupt or exception; put interrupt-driven guests in 64-bit long mode",
                kWhere);
        default:
            break;
    }
    if (is_x87(insn))
        return fmt::format(
            "x87 floating-point instruction ({}): {}; build guest code with -mgeneral-regs-only",
            mnemonic, kWhere);
    if (is_xsave(insn))
        return fmt::format(
            "XSAVE-family instruction ({}): {}; save extended state with fxsave, or avoid it in "
            "kernel-mode code",
            mnemonic, kWhere);
    if (insn.encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY &&
        insn.encoding != ZYDIS_INSTRUCTION_ENCODING_3DNOW)
        return fmt::format(
            "AVX instruction ({}): {}; build guest code with -mgeneral-regs-only and never with "
            "-march=native",
            mnemonic, kWhere);
    if (is_unemulated_integer(insn))
        return fmt::format(
            "{} instruction: {}; build guest code without -mpopcnt, -mbmi, -msse4.2 or -mcx16 "
            "and never with -march=native",
            mnemonic, kWhere);
    if (is_sse_family(insn) && !is_emulated_sse(insn))
        return fmt::format(
            "SSE/MMX instruction ({}): {}; build guest code with -mgeneral-regs-only (or -mno-sse "
            "-mno-mmx -mno-80387)",
            mnemonic, kWhere);
    return {};
}

}  // namespace svm
