/* arch/x86_64/percpu.h - each CPU's own area, reached through the GS segment base: the CPU's
 * number, its local APIC id, the words the core keeps per CPU (arch/arch.h), and what the TLB
 * shootdown asks of it. A GS-relative instruction names "this CPU's copy" in one go, so a
 * thread moved to another CPU cannot read one CPU's number and another CPU's word.
 * CPU-internal (x86_ prefix); portable code uses arch/arch.h.
 */
#include "arch/arch.h" /* first: it defines the words, then includes this file */

#ifndef ARCH_X86_64_PERCPU_H
#define ARCH_X86_64_PERCPU_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"

#define X86_MSR_GS_BASE 0xc0000101u

struct x86_cpu_area {
    struct x86_cpu_area *self; /* its own address, for code that wants a pointer */
    uint32_t id;               /* arch_cpu_id(): 0 for the boot CPU, then in start order */
    uint32_t apic_id;          /* its local APIC's id, from the MADT */
    long words[X86_CPU_WORDS]; /* enum arch_cpu_word (arch/arch.h) */
    /* The TLB shootdown (arch/x86_64/tlb.c): set by the CPU that unmapped a page, cleared by
     * this CPU once the page is gone from its TLB. */
    uint32_t flush_pending;
    uint64_t flush_address;
} __attribute__((aligned(64))); /* one cache line apart: CPUs do not share lines of these */

#define X86_CPU_AREA_ID            8
#define X86_CPU_AREA_WORDS         16
#define X86_CPU_AREA_FLUSH_PENDING (X86_CPU_AREA_WORDS + 8 * X86_CPU_WORDS)
_Static_assert(offsetof(struct x86_cpu_area, id) == X86_CPU_AREA_ID, "per-CPU area layout");
_Static_assert(offsetof(struct x86_cpu_area, apic_id) == X86_CPU_AREA_ID + 4, "per-CPU area");
_Static_assert(offsetof(struct x86_cpu_area, flush_pending) == X86_CPU_AREA_FLUSH_PENDING,
               "per-CPU area layout");
_Static_assert(offsetof(struct x86_cpu_area, words) == X86_CPU_AREA_WORDS, "per-CPU area layout");

/* Every CPU's area; x86_cpu_areas[n] is CPU n's. */
extern struct x86_cpu_area x86_cpu_areas[];

/* Points GS at CPU `cpu`'s area and records its APIC id. Call first thing on each CPU, with
 * interrupts off, once its GDT is loaded (loading a GS selector would reset the base). */
void x86_percpu_init(unsigned int cpu, uint32_t apic_id);

/* This CPU's area. Any context. */
static inline struct x86_cpu_area *x86_this_cpu(void)
{
    struct x86_cpu_area *area;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(area));
    return area;
}

#endif
