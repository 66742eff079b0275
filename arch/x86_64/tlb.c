/* arch/x86_64/tlb.c - asking every other CPU to drop a page from its TLB, and answering such
 * a request: through each CPU's per-CPU area (the address and a pending flag) and an IPI. */
#include "arch/x86_64/tlb.h"

#include "arch/arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"

/* One shootdown at a time (they come from mm/vm.c, under its lock, anyway): 0 free, 1 taken.
 * A CPU waiting for it answers requests meanwhile (arch_cpu_relax). */
static uint32_t busy;
static uint64_t sent, answered; /* atomic adds */

void x86_tlb_answer(void)
{
    struct x86_cpu_area *self = x86_this_cpu();
    if (!__atomic_load_n(&self->flush_pending, __ATOMIC_ACQUIRE))
        return;
    x86_invlpg((const void *)(uintptr_t)self->flush_address);
    __atomic_add_fetch(&answered, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&self->flush_pending, 0, __ATOMIC_RELEASE); /* the sender may go on */
}

static void shootdown_interrupt(struct interrupt_frame *frame)
{
    (void)frame;
    x86_tlb_answer();
    x86_lapic_eoi();
}

/* True for a CPU other than this one that is up far enough to have a TLB of ours. */
static bool is_other_cpu(unsigned int cpu)
{
    return cpu != arch_cpu_id() && __atomic_load_n(&x86_cpu_areas[cpu].self, __ATOMIC_ACQUIRE);
}

void x86_tlb_shootdown(uint64_t virt)
{
    if (!x86_lapic_enabled())
        return; /* one CPU */
    unsigned long flags = arch_irq_save();
    while (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
        arch_cpu_relax();
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!is_other_cpu(cpu))
            continue;
        x86_cpu_areas[cpu].flush_address = virt;
        __atomic_store_n(&x86_cpu_areas[cpu].flush_pending, 1, __ATOMIC_RELEASE);
        x86_lapic_send(x86_cpu_areas[cpu].apic_id,
                       X86_ICR_FIXED | X86_ICR_ASSERT | X86_VECTOR_TLB_SHOOTDOWN);
        __atomic_add_fetch(&sent, 1, __ATOMIC_RELAXED);
    }
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
        while (is_other_cpu(cpu) &&
               __atomic_load_n(&x86_cpu_areas[cpu].flush_pending, __ATOMIC_ACQUIRE))
            arch_cpu_relax();
    }
    __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
    arch_irq_restore(flags);
}

void x86_tlb_init(void)
{
    x86_set_vector_handler(X86_VECTOR_TLB_SHOOTDOWN, shootdown_interrupt);
}

uint64_t x86_tlb_shootdowns(void)
{
    return __atomic_load_n(&sent, __ATOMIC_RELAXED);
}

uint64_t x86_tlb_answers(void)
{
    return __atomic_load_n(&answered, __ATOMIC_RELAXED);
}
