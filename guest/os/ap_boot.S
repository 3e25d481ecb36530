/*
 * The first code an application processor (AP) runs. smp.c copies the bytes [ap_boot_start,
 * ap_boot_end) to AP_BOOT_ADDR (0x8000), fills in ap_boot_params inside the copy and sends the
 * AP a Startup IPI with vector AP_BOOT_ADDR >> 12: the AP starts in real mode at CS:IP =
 * 0x0800:0000 (Intel SDM Vol. 3A, 9.4.4.1 and 11.6.1), interrupts off, paging off. Every
 * absolute address below is therefore computed for the copy: A(label) = AP_BOOT_ADDR +
 * (label - ap_boot_start).
 *
 * From real mode straight to long mode, on the BSP's page tables (entry.S's identity map of the
 * low 4 GiB, whose address the BSP reads from CR3): PAE and CR3 first, then EFER.LME, then
 * CR0.PE and CR0.PG together (SDM Vol. 3A, 9.8.5; OSDev wiki "Entering Long Mode Directly").
 * There is no 32-bit protected-mode or 32-bit paging step on the way: nested KVM hosts (svm's CI)
 * cannot run those. Then, in 64-bit code: the stack and the argument from ap_boot_params, and a
 * call to the entry point, smp.c's ap_main(struct cpu*), which never returns.
 *
 * The GDT below (the same selectors as entry.S's: 0x08 code, the IDT's gates use it; 0x10 data)
 * stays in use on the AP for good. The copy at 0x8000 is never overwritten: memory.c hands out no
 * frame below 1 MiB.
 */
#define AP_BOOT_ADDR 0x8000
#define A(label) (AP_BOOT_ADDR + ((label) - ap_boot_start))

/* struct ap_boot_params in smp.c */
#define PARAM_CR3 0
#define PARAM_RSP 8
#define PARAM_ENTRY 16
#define PARAM_ARG 24

    .section .rodata.ap_boot, "a"
    .balign 16
    .global ap_boot_start
ap_boot_start:
    .code16
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds                      /* DS base 0: A(...) addresses work as they are */
    lgdtl A(ap_gdtr)

    mov %cr4, %eax
    or $(1 << 5), %eax                /* CR4.PAE */
    mov %eax, %cr4
    movl A(ap_boot_params) + PARAM_CR3, %eax
    mov %eax, %cr3                    /* the BSP's PML4 (below 4 GiB) */
    mov $0xC0000080, %ecx             /* IA32_EFER */
    rdmsr
    or $(1 << 8), %eax                /* EFER.LME */
    wrmsr
    /* CR0.PG | CR0.ET | CR0.PE; this also clears CD and NW, which INIT set (SDM Vol. 3A,
     * table 9-1): caches on. */
    mov $0x80000011, %eax
    mov %eax, %cr0
    ljmpl $0x08, $A(ap_long)          /* loads CS from the GDT: 64-bit code from here on */

    .code64
ap_long:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs                     /* base 0 for now: cpu_enter() sets the GS base */
    mov A(ap_boot_params) + PARAM_RSP, %rsp
    mov A(ap_boot_params) + PARAM_ARG, %rdi
    xor %ebp, %ebp
    call *A(ap_boot_params) + PARAM_ENTRY
1:  cli                               /* not reached: ap_main() does not return */
    hlt
    jmp 1b

    .balign 8
ap_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF          /* 0x08: 64-bit code, present, DPL 0, L = 1 */
    .quad 0x00CF92000000FFFF          /* 0x10: flat data */
ap_gdt_end:
ap_gdtr:
    .word ap_gdt_end - ap_gdt - 1
    .long A(ap_gdt)

    .balign 8
    .global ap_boot_params
ap_boot_params:
    .skip 32
    .global ap_boot_end
ap_boot_end:

    .section .note.GNU-stack, "", @progbits
