/* arch/x86_64/gdt.c - each CPU's GDT (null, code, data, its own TSS) and TSS, loaded on that
 * CPU, and the per-CPU area its GS base points at. */
#include "arch/x86_64/gdt.h"

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "arch/x86_64/stacks.h"
#include "lib/compiler.h"

_Static_assert(IST_DOUBLE_FAULT == STACK_DOUBLE_FAULT + 1 && IST_NMI == STACK_NMI + 1 &&
                       IST_MACHINE_CHECK == STACK_MACHINE_CHECK + 1,
               "the TSS's IST slots in the order of stacks.h");

uint64_t x86_ist_tops[MAX_CPUS][ARCH_CPU_STACKS];

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

/* One set per CPU: a TSS descriptor is marked busy when loaded, so CPUs cannot share one. */
struct cpu_tables {
    uint64_t gdt[5]; /* the code segment has L (long mode) set; the TSS takes two slots */
    struct tss tss;
} __aligned(64);

static struct cpu_tables tables[MAX_CPUS];

/* A CPU that is not up yet runs no handler: its IRQ line word says so already. */
struct x86_cpu_area x86_cpu_areas[MAX_CPUS] = {
        [0 ... MAX_CPUS - 1] = {.words[CPU_WORD_IRQ_LINE] = -1},
};

static void set_tss_descriptor(struct cpu_tables *cpu)
{
    uint64_t base = (uint64_t)(uintptr_t)&cpu->tss;
    uint64_t limit = sizeof(cpu->tss) - 1;
    cpu->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
                  (0x89ull << 40) /* present, 64-bit TSS */
                  | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    cpu->gdt[4] = base >> 32;
}

static void build_tables(struct cpu_tables *cpu, unsigned int id)
{
    cpu->gdt[0] = 0;
    cpu->gdt[1] = 0x00209a0000000000; /* GDT_KERNEL_CODE: present, DPL 0, code, long mode */
    cpu->gdt[2] = 0x0000920000000000; /* GDT_KERNEL_DATA: present, DPL 0, data, writable */
    for (unsigned int which = 0; which < STACK_IST_COUNT; which++)
        cpu->tss.ist[which] = id == 0 ? kernel_stack_top(kernel_ist_stack(which))
                                      : x86_ist_tops[id][which];
    cpu->tss.io_map_base = sizeof(cpu->tss); /* no I/O permission bitmap */
    set_tss_descriptor(cpu);
}

static void load_tables(struct cpu_tables *cpu)
{
    struct gdt_pointer pointer = {sizeof(cpu->gdt) - 1, (uint64_t)(uintptr_t)cpu->gdt};
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
                     "xorl %%eax, %%eax\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     "ltr %w3"
                     :
                     : "m"(pointer), "i"(GDT_KERNEL_CODE), "i"(GDT_KERNEL_DATA), "r"(GDT_TSS)
                     : "rax", "memory");
}

void x86_percpu_init(unsigned int cpu, uint32_t apic_id)
{
    struct x86_cpu_area *area = &x86_cpu_areas[cpu];
    area->self = area;
    area->id = cpu;
    area->apic_id = apic_id;
    area->words[CPU_WORD_IRQ_LINE] = -1;
    x86_wrmsr(X86_MSR_GS_BASE, (uint64_t)(uintptr_t)area); /* after the GS selector load */
}

void x86_gdt_init_cpu(unsigned int cpu)
{
    build_tables(&tables[cpu], cpu);
    load_tables(&tables[cpu]);
    x86_percpu_init(cpu, 0);
}

void x86_gdt_init(void)
{
    x86_gdt_init_cpu(0);
}
