/* arch/x86_64/tlb.h - TLB shootdown. Every CPU runs on the same page tables, and each CPU's
 * TLB may keep a translation after its entry is cleared: a page unmapped on one CPU must be
 * dropped from every CPU's TLB before the unmap returns, or another CPU could still reach the
 * frame, which may be handed out again at once. The CPU that unmaps asks each other CPU
 * (an IPI on X86_VECTOR_TLB_SHOOTDOWN) and waits until every one has answered. A CPU that
 * waits with interrupts off answers from its waiting loop (arch_cpu_relax), so two CPUs each
 * waiting for the other cannot deadlock. CPU-internal; arch_unmap_page uses it.
 */
#ifndef ARCH_X86_64_TLB_H
#define ARCH_X86_64_TLB_H

#include <stdint.h>

/* Drops the translation of the page at virt from every other CPU's TLB (this CPU's own is
 * the caller's invlpg) and returns once all have. Nothing before the other CPUs start. Any
 * context; spins. */
void x86_tlb_shootdown(uint64_t virt);

/* Answers a shootdown asked of this CPU, if one is (arch_cpu_relax's slow path). */
void x86_tlb_answer(void);

/* Installs the IPI's handler. Boot, once the local APIC is up. */
void x86_tlb_init(void);

/* Shootdowns sent, and pages dropped on request, since boot. */
uint64_t x86_tlb_shootdowns(void);
uint64_t x86_tlb_answers(void);

#endif
