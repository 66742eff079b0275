/* arch/x86_64/gdt.c - builds the GDT (null, code, data, TSS) and loads it. */
#include "arch/x86_64/gdt.h"

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/stacks.h"
#include "lib/compiler.h"

/* The 64-bit task state segment (Intel SDM vol. 3, 8.7). */
struct tss {
    uint32_t reserved0;
    uint64_t rsp[3]; /* stacks for privilege changes: unused, the kernel has no user mode */
    uint64_t reserved1;
    uint64_t ist[7]; /* interrupt stack table */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t io_map_base;
} __packed;

_Static_assert(sizeof(struct tss) == 104, "TSS layout");
_Static_assert(offsetof(struct tss, ist) == 36, "TSS layout");

struct gdt_pointer {
    uint16_t limit;
    uint64_t base;
} __packed;

static struct tss tss;

/* Descriptors: the code segment has L (long mode) set; the TSS takes two slots. */
static uint64_t gdt[5] = {
        0, 0x00209a0000000000, /* GDT_KERNEL_CODE: present, DPL 0, code, long mode */
        0x0000920000000000,    /* GDT_KERNEL_DATA: present, DPL 0, data, writable */
};

static void set_tss_descriptor(void)
{
    uint64_t base = (uint64_t)(uintptr_t)&tss;
    uint64_t limit = sizeof(tss) - 1;
    gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
             (0x89ull << 40) /* present, 64-bit TSS */
             | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[4] = base >> 32;
}

void x86_gdt_init(void)
{
    tss.ist[IST_DOUBLE_FAULT - 1] = kernel_stack_top(STACK_DOUBLE_FAULT);
    tss.ist[IST_NMI - 1] = kernel_stack_top(STACK_NMI);
    tss.ist[IST_MACHINE_CHECK - 1] = kernel_stack_top(STACK_MACHINE_CHECK);
    tss.io_map_base = sizeof(tss); /* no I/O permission bitmap */
    set_tss_descriptor();

    struct gdt_pointer pointer = {sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt};
    __asm__ volatile("lgdt %0\n\t"
                     /* Reload CS with a far return: push the selector and the target. */
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %w2, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "ltr %w3"
                     :
                     : "m"(pointer), "i"(GDT_KERNEL_CODE), "i"(GDT_KERNEL_DATA), "r"(GDT_TSS)
                     : "rax", "memory");
}
