/*
 * A Multiboot 1 stub that hands svm's Limine handoff to whatever CPU boots it (QEMU-TCG in
 * tests/qemu/limine_handoff.sh; docs/loaders.md "Checked on QEMU without KVM"). state.h and
 * memory.bin come from svm_boot_image_dump: svm's guest memory and entry state, unchanged. The stub
 * only does what svm does outside guest memory (Machine::create_vcpus, core/machine/
 * machine_cpus.cpp, and the display's mode set): it
 *   1. copies memory.bin to guest-physical 0, except [0xA0000, 1 MiB) (VGA window, BIOS ROM);
 *   2. sets the Bochs VBE mode svm promised, if any;
 *   3. initialises the 8259s as a BIOS does and masks them, masks every I/O APIC entry;
 *   4. copies its trampoline to SVM_TRAMPOLINE (svm's unused default boot stack page) and starts
 *      every AP there with INIT-SIPI-SIPI (SDM Vol. 3A, 8.4.4.1);
 *   5. every processor, in the trampoline: svm's GDT, CR4 (with LA57 for 5-level paging, set
 *      while paging is still off), CR3, EFER, CR0, selectors, IDTR 0,
 *      LDTR 0, IA32_PAT, the local APIC state (SVR 0x1FF, TPR 0, LVTs masked; x2APIC if asked),
 *      then an iretq through its frame in SVM_CPU_FRAMES (index = local APIC id): the BSP to
 *      svm's entry point and stack, each AP to svm's parking loop with its RDI and RSP. The BSP
 *      goes last, once every AP is on its way to the loop, as under svm.
 * It prints "stub: ..." lines on COM1; a problem it detects is a "FAIL stub: ..." line and
 * isa-debug-exit code 0x7E (QEMU exit status 253).
 */
#include "state.h"

#define T(label) (SVM_TRAMPOLINE + ((label) - tramp_start))
#define LAPIC 0xFEE00000
#define IOAPIC 0xFEC00000
#define MSR_APIC_BASE 0x1B
#define MSR_PAT 0x277
#define MSR_EFER 0xC0000080
#define EFER_LMA 0x400
#define COM1 0x3F8
#define CR4_LA57 0x1000

.if SVM_IMAGE_SIZE > STUB_BASE
.error "svm's memory image reaches the stub: link it higher (STUB_BASE)"
.endif
.if SVM_IMAGE_SIZE <= 0x100000
.error "a Limine image always extends above 1 MiB"
.endif

/* svm's local APIC state (machine_cpus.cpp set_up_limine_cpu): TPR 0, SVR 0x1FF, the timer,
 * thermal, performance, LINT0, LINT1 and error LVTs masked (SDM Vol. 3A, 11.5.1). `base` holds
 * LAPIC; enabling in IA32_APIC_BASE comes first. */
.macro lapic_like_svm base
    mov $MSR_APIC_BASE, %ecx
    rdmsr
    or $0x800, %eax
    wrmsr
    movl $0, 0x80(\base)
    movl $0x1FF, 0xF0(\base)
    orl $0x10000, 0x320(\base)
    orl $0x10000, 0x330(\base)
    orl $0x10000, 0x340(\base)
    orl $0x10000, 0x350(\base)
    orl $0x10000, 0x360(\base)
    orl $0x10000, 0x370(\base)
.endm

.macro vbe index, value
    mov $0x1CE, %dx
    mov $\index, %ax
    out %ax, %dx
    inc %dx
    mov $\value, %ax
    out %ax, %dx
.endm

.macro delay
    mov $200000, %ecx
9:  loop 9b
.endm

    .section .mb, "a"
    .balign 4
    .long 0x1BADB002, 0, -0x1BADB002

    .text
    .code32
    .global _start
_start:
    cli
    cld
    mov $stack_top, %esp
    mov $msg_hello, %esi
    call puts

    /* 1. svm's memory, around the VGA window and the BIOS area. */
    mov $image, %esi
    xor %edi, %edi
    mov $0xA0000 / 4, %ecx
    rep movsl
    mov $image + 0x100000, %esi
    mov $0x100000, %edi
    mov $(SVM_IMAGE_SIZE - 0x100000) / 4, %ecx
    rep movsl

#if SVM_CR4 & CR4_LA57
    /* svm gave 5-level paging, as on a host with LA57 (svm_boot_image_dump --la57): this CPU must
     * have it too (CPUID.(EAX=7,ECX=0):ECX.LA57[bit 16], SDM Vol. 2A), or setting CR4.LA57 faults. */
    xor %eax, %eax
    cpuid
    cmp $7, %eax
    jb 2f
    mov $7, %eax
    xor %ecx, %ecx
    cpuid
    bt $16, %ecx
    jc 1f
2:  mov $msg_no_la57, %esi
    jmp fail
1:  mov $msg_la57, %esi
    call puts
#endif

    /* The trampoline, into svm's unused boot stack page (svm_boot_image_dump checked it is free
     * and identity-mapped). */
    mov $tramp_start, %esi
    mov $SVM_TRAMPOLINE, %edi
    mov $tramp_end - tramp_start, %ecx
    rep movsb

#if SVM_X2APIC
    /* svm's machine always has x2APIC (KVM emulates it); a CPU without it (QEMU's TCG before 9.0)
     * cannot be put in x2APIC mode, and Limine then reports it was not enabled. */
    mov $1, %eax
    cpuid
    bt $21, %ecx
    jc 1f
    mov $msg_no_x2apic, %esi
    call puts
    movb $0, T(use_x2apic)
#if SVM_MP_FLAGS_ADDR
    andl $~1, SVM_MP_FLAGS_ADDR
#else
    mov $msg_no_mp_flags, %esi
    jmp fail
#endif
1:
#endif

#if SVM_VIDEO_WIDTH
    /* 2. The mode svm sets (docs/loaders.md "Responses", Framebuffer), where svm's response says
     * the framebuffer is: BAR0 of the std VGA at PCI 00:02.0 (configuration mechanism #1). */
    mov $0x80001010, %eax
    mov $0xCF8, %dx
    out %eax, %dx
    mov $0xCFC, %dx
    in %dx, %eax
    and $0xFFFFFFF0, %eax
    cmp $SVM_VIDEO_LFB, %eax
    je 1f
    mov $msg_lfb, %esi
    jmp fail
1:  vbe 4, 0
    vbe 1, SVM_VIDEO_WIDTH
    vbe 2, SVM_VIDEO_HEIGHT
    vbe 3, SVM_VIDEO_BPP
    vbe 4, 0x41 /* enabled, linear framebuffer */
#endif

    /* 3. The 8259s as a BIOS initialises them (ICW1 0x11, vectors 0x08 / 0x70, cascade on IRQ2,
     * 8086 mode), then every IRQ masked; every I/O APIC redirection entry masked (IOAPIC
     * datasheet 3.2.4: register 1 bits 23:16 = last entry; entries at 0x10 + 2n, mask bit 16). */
    mov $0x11, %al
    out %al, $0x20
    out %al, $0xA0
    mov $0x08, %al
    out %al, $0x21
    mov $0x70, %al
    out %al, $0xA1
    mov $0x04, %al
    out %al, $0x21
    mov $0x02, %al
    out %al, $0xA1
    mov $0x01, %al
    out %al, $0x21
    out %al, $0xA1
    mov $0xFF, %al
    out %al, $0x21
    out %al, $0xA1
    mov $IOAPIC, %ebx
    movl $1, (%ebx)
    mov 0x10(%ebx), %ecx
    shr $16, %ecx
    and $0xFF, %ecx
    xor %edx, %edx
1:  lea 0x10(,%edx,2), %eax
    mov %eax, (%ebx)
    orl $0x10000, 0x10(%ebx)
    inc %edx
    cmp %ecx, %edx
    jbe 1b

    /* 4. The APs: INIT, then two SIPIs to the trampoline, to all but self (SDM Vol. 3A, 8.4.4.1
     * and 10.6.1: ICR 0xC4500 INIT, 0xC46vv SIPI). The BSP's local APIC is set up first. */
    mov $LAPIC, %ebx
    lapic_like_svm %ebx
#if SVM_AP_COUNT
    mov $msg_aps, %esi
    call puts
    movl $0, 0x310(%ebx)
    movl $0xC4500, 0x300(%ebx)
    delay
    movl $(0xC4600 | (SVM_TRAMPOLINE >> 12)), 0x300(%ebx)
    delay
    movl $(0xC4600 | (SVM_TRAMPOLINE >> 12)), 0x300(%ebx)
#endif
    mov $msg_enter, %esi
    call puts

    /* 5. The BSP joins the APs' path in protected mode, with svm's GDT. */
    lgdt T(gdtr32)
    ljmp $SVM_CODE32, $T(pm32)

/* Writes the NUL-terminated string at ESI to COM1. */
puts:
    mov $COM1 + 5, %dx
1:  in %dx, %al
    test $0x20, %al
    jz 1b
    lodsb
    test %al, %al
    jz 2f
    mov $COM1, %dx
    out %al, %dx
    jmp puts
2:  ret

/* Reports what is wrong (ESI) and ends QEMU through isa-debug-exit. */
fail:
    push %esi
    mov $msg_fail, %esi
    call puts
    pop %esi
    call puts
    mov $0x7E, %al
    out %al, $0xF4
1:  cli
    hlt
    jmp 1b

    .section .rodata
msg_hello:
    .asciz "stub: svm's Limine handoff (svm_boot_image_dump) on this CPU\n"
msg_no_x2apic:
    .asciz "stub: this CPU has no x2APIC: xAPIC mode, and the MP response's x2APIC flag cleared\n"
msg_no_mp_flags:
    .asciz "x2APIC was asked for, the CPU has none, and the MP response was not found\n"
msg_no_la57:
    .asciz "svm gave 5-level paging, but this CPU has no LA57 (QEMU: -cpu max)\n"
msg_la57:
    .asciz "stub: 5-level paging (CR4.LA57, a PML5 at CR3)\n"
msg_lfb:
    .asciz "the std VGA's BAR0 is not where svm's framebuffer response says\n"
msg_aps:
    .asciz "stub: starting the APs (INIT-SIPI-SIPI)\n"
msg_enter:
    .asciz "stub: entering the executable\n"
msg_fail:
    .asciz "FAIL stub: "

/*
 * The trampoline, copied to SVM_TRAMPOLINE and run there by every processor (position-dependent
 * parts use T()). An AP enters in real mode at SVM_TRAMPOLINE:0 (CS = SVM_TRAMPOLINE >> 4).
 */
    .section .tramp, "ax"
    .code16
tramp_start:
    cli
    mov %cs, %ax
    mov %ax, %ds
    lgdtl gdtr32 - tramp_start
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $SVM_CODE32, $T(pm32)

    .code32
pm32:
    /* Long mode with svm's control registers (SDM Vol. 3A, 9.8.5): CR4.PAE, CR3, EFER.LME
     * (LMA is the CPU's), then CR0.PG; a far jump to svm's 64-bit code selector. CR4 carries
     * LA57 when svm gave 5-level paging (CR3 then points at a PML5): it can be set only here, in
     * protected mode before EFER.LME and CR0.PG, as a MOV to CR4 that changes LA57 in IA-32e mode
     * faults (SDM Vol. 3A, 2.5 "Control Registers" and 4.1.1). */
    mov $SVM_DATA32, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $SVM_CR4, %eax
    mov %eax, %cr4
    mov $SVM_CR3, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    mov $(SVM_EFER & ~EFER_LMA), %eax
    xor %edx, %edx
    wrmsr
    mov $SVM_CR0, %eax
    mov %eax, %cr0
    ljmp $SVM_CS, $T(lm64)

    .code64
lm64:
    mov $SVM_DS, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    lgdt gdtr64(%rip)
    lidt idtr0(%rip)
    xor %eax, %eax
    lldt %ax
    mov $MSR_PAT, %ecx
    mov $SVM_PAT_LO, %eax
    mov $SVM_PAT_HI, %edx
    wrmsr
    mov $LAPIC, %ebx
    lapic_like_svm %rbx
    mov 0x20(%rbx), %ebp
    shr $24, %ebp /* the xAPIC id: svm's processor index */
    cmpb $0, use_x2apic(%rip)
    je 1f
    mov $MSR_APIC_BASE, %ecx
    rdmsr
    or $0x400, %eax /* EXTD (SDM Vol. 3A, 10.12.1) */
    wrmsr
1:  cmp $SVM_AP_COUNT, %ebp
    ja not_svms_cpu
    imul $48, %ebp, %ebx
    lea frames(%rip), %rsp
    add %rbx, %rsp
    test %ebp, %ebp
    jnz 3f
    /* The BSP waits for every AP (bounded; TCG runs this loop at some 10^7 per second). */
    mov $400000000, %ecx
2:  cmpl $SVM_AP_COUNT, arrived(%rip)
    je 4f
    pause
    dec %ecx
    jnz 2b
    lea msg_ap_timeout(%rip), %rsi
    mov $COM1, %dx
5:  lodsb
    test %al, %al
    jz 6f
    out %al, %dx
    jmp 5b
6:  mov $0x7E, %al
    out %al, $0xF4
    jmp not_svms_cpu
3:  lock incl arrived(%rip)
4:  mov 40(%rsp), %rdi
    xor %eax, %eax
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %edx, %edx
    xor %esi, %esi
    xor %ebp, %ebp
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    xor %r11d, %r11d
    xor %r12d, %r12d
    xor %r13d, %r13d
    xor %r14d, %r14d
    xor %r15d, %r15d
    iretq /* RIP, CS, RFLAGS, RSP, SS from the frame */
not_svms_cpu:
    cli
    hlt
    jmp not_svms_cpu

    .balign 8
gdtr32:
    .word SVM_GDT_LIMIT
    .long SVM_GDT_BASE
    .balign 8
gdtr64:
    .word SVM_GDT_LIMIT
    .quad SVM_GDT_BASE
    .balign 8
idtr0:
    .word 0
    .quad 0
arrived:
    .long 0
use_x2apic:
    .byte SVM_X2APIC
msg_ap_timeout:
    .asciz "FAIL stub: not every AP reached svm's parking loop\n"
    .balign 16
frames:
    SVM_CPU_FRAMES
tramp_end:
    .global tramp_start, tramp_end /* the linker script checks that it fits its page */

    .bss
    .balign 16
    .skip 16384
stack_top:

    .section .image, "a"
    .balign 4096
image:
    .incbin "memory.bin"
