/* arch/x86_64/lapic.h - the local APIC every CPU has (xAPIC: registers in a 4 KiB page at
 * the address the MADT gives, the same address on every CPU, each CPU reaching its own):
 * end-of-interrupt, inter-processor interrupts (fixed vectors, NMI, INIT and startup), the
 * spurious and error vectors, and the timer. CPU-internal (x86_ prefix); the IRQ layer
 * reaches it through drivers/ioapic.c's controller and drivers/lapic_timer.c's tick.
 *
 * The vectors below are the local APIC's own, at the top of the vector space: vectors come
 * in priority classes of 16 (the high nibble; Intel SDM vol. 3, 10.8.3), 0xf0 and up the most
 * urgent, above every IRQ line (kernel/irq.h: 0x20 + line).
 */
#ifndef ARCH_X86_64_LAPIC_H
#define ARCH_X86_64_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define X86_VECTOR_TLB_SHOOTDOWN 0xf1 /* arch/x86_64/tlb.c */
#define X86_VECTOR_LAPIC_ERROR   0xfe
#define X86_VECTOR_SPURIOUS      0xff /* raised when an interrupt vanished before delivery */

/* Interrupt command register, low word (Intel SDM vol. 3, 10.6.1). */
#define X86_ICR_FIXED        0x000u
#define X86_ICR_NMI          0x400u
#define X86_ICR_INIT         0x500u
#define X86_ICR_STARTUP      0x600u
#define X86_ICR_ASSERT       0x4000u  /* level: assert (every IPI but INIT de-assert) */
#define X86_ICR_ALL_BUT_SELF 0xc0000u /* destination shorthand */

/* Sets up the boot CPU's local APIC, whose registers the caller mapped uncached at
 * `registers`: software-enabled with the spurious vector, nothing masked by priority, LINT0
 * (the 8259's line) masked, LINT1 (NMI on PCs) as the MADT says, errors reported on their
 * vector, the timer masked. Records the CPU's APIC id in its per-CPU area. Boot, interrupts
 * off. */
void x86_lapic_init(volatile void *registers);

/* The same for another CPU, on that CPU, once the boot CPU did x86_lapic_init. lint_nmi: bit n
 * set when LINT n carries NMI to this CPU (the MADT's local APIC NMI entries). */
void x86_lapic_init_cpu(unsigned int lint_nmi);

/* True once x86_lapic_init ran: IPIs can be sent. Any context. */
bool x86_lapic_enabled(void);

/* This CPU's local APIC id. */
uint32_t x86_lapic_id(void);

/* Ends the interrupt in service on this CPU. Interrupts off. */
void x86_lapic_eoi(void);

/* Sends an IPI (icr: X86_ICR_* | vector) to the CPU with local APIC id `apic_id`, or with
 * X86_ICR_ALL_BUT_SELF to every other CPU, and waits until the local APIC has sent it.
 * Returns 0, or -EIO when it stayed pending past a millisecond-ish bound. Any context. */
int x86_lapic_send(uint32_t apic_id, uint32_t icr);

/* True when `vector` waits in this CPU's interrupt request register (raised, not yet taken:
 * with interrupts off, a device's request shows here). Any context. */
bool x86_lapic_is_pending(unsigned int vector);

/* The timer: periodic at `vector`, counting down from `count` clocks of the bus clock divided
 * by 16; count 0 stops it. One-shot with the vector masked, for calibration. Its current
 * count. All on this CPU; interrupts off. */
#define X86_LAPIC_TIMER_DIVIDE 16
void x86_lapic_timer_periodic(unsigned int vector, uint32_t count);
void x86_lapic_timer_oneshot_masked(uint32_t count);
uint32_t x86_lapic_timer_current(void);

/* Errors the local APICs reported (ESR), over all CPUs. */
uint64_t x86_lapic_errors(void);

#endif
