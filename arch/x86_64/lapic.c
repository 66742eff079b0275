/* arch/x86_64/lapic.c - programming the local APIC through its memory-mapped registers
 * (xAPIC mode): enabling it, its LVT entries, IPIs, EOI, the timer, and the handlers of the
 * spurious and error vectors. */
#include "arch/x86_64/lapic.h"

#include "arch/arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupt.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tlb.h"
#include "lib/compiler.h"
#include "lib/errno.h"

/* Register offsets (Intel SDM vol. 3, table 10-1). */
#define LAPIC_ID            0x020
#define LAPIC_TPR           0x080
#define LAPIC_EOI           0x0b0
#define LAPIC_SVR           0x0f0
#define LAPIC_ESR           0x280
#define LAPIC_ICR_LOW       0x300
#define LAPIC_ICR_HIGH      0x310
#define LAPIC_LVT_TIMER     0x320
#define LAPIC_LVT_LINT0     0x350
#define LAPIC_LVT_LINT1     0x360
#define LAPIC_LVT_ERROR     0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE  0x3e0
#define LAPIC_IRR           0x200 /* eight 32-bit words, 16 bytes apart */

#define MSR_APIC_BASE      0x1bu
#define APIC_BASE_ENABLE   (1ull << 11)
#define SVR_ENABLE         0x100u
#define LVT_MASKED         0x10000u
#define LVT_NMI            0x400u
#define LVT_TIMER_PERIODIC 0x20000u
#define ICR_SEND_PENDING   0x1000u
#define TIMER_DIVIDE_BY_16 0x3u
#define SEND_POLLS_MAX     (1u << 20)

/* Set once by x86_lapic_init, before any other CPU runs; read-only afterwards. */
static volatile uint32_t *registers;
static uint64_t errors; /* atomic adds */

static uint32_t lapic_read(unsigned int offset)
{
    return registers[offset / 4];
}

static void lapic_write(unsigned int offset, uint32_t value)
{
    registers[offset / 4] = value;
}

/* The CPU found a vanished interrupt: nothing to acknowledge (SDM 10.9). */
static void spurious_interrupt(struct interrupt_frame *frame)
{
    (void)frame;
}

static void error_interrupt(struct interrupt_frame *frame)
{
    (void)frame;
    lapic_write(LAPIC_ESR, 0); /* latch the error bits, then clear them */
    if (lapic_read(LAPIC_ESR))
        __atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
    lapic_write(LAPIC_ESR, 0);
    x86_lapic_eoi();
}

void x86_lapic_init_cpu(unsigned int lint_nmi)
{
    x86_wrmsr(MSR_APIC_BASE, x86_rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
    lapic_write(LAPIC_TPR, 0); /* accept every priority class */
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT0, lint_nmi & 1 ? LVT_NMI : LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, lint_nmi & 2 ? LVT_NMI : LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, X86_VECTOR_LAPIC_ERROR);
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_ESR, 0);
    lapic_write(LAPIC_SVR, SVR_ENABLE | X86_VECTOR_SPURIOUS);
    lapic_write(LAPIC_EOI, 0); /* anything left in service by the firmware */
    x86_this_cpu()->apic_id = x86_lapic_id();
}

void x86_lapic_init(volatile void *mapped)
{
    registers = mapped;
    x86_set_vector_handler(X86_VECTOR_SPURIOUS, spurious_interrupt);
    x86_set_vector_handler(X86_VECTOR_LAPIC_ERROR, error_interrupt);
    x86_tlb_init();
    x86_lapic_init_cpu(2); /* LINT1 is NMI on every PC; the MADT's entries refine it per CPU */
}

bool x86_lapic_enabled(void)
{
    return registers != NULL;
}

uint32_t x86_lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}

void x86_lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

int x86_lapic_send(uint32_t apic_id, uint32_t icr)
{
    unsigned long flags = arch_irq_save(); /* the two writes belong together */
    lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, icr);
    uint32_t polls = 0;
    while ((lapic_read(LAPIC_ICR_LOW) & ICR_SEND_PENDING) && polls < SEND_POLLS_MAX)
        polls++;
    arch_irq_restore(flags);
    return polls < SEND_POLLS_MAX ? 0 : -EIO;
}

bool x86_lapic_is_pending(unsigned int vector)
{
    return (lapic_read(LAPIC_IRR + (vector / 32) * 16) >> (vector % 32)) & 1;
}

void x86_lapic_timer_periodic(unsigned int vector, uint32_t count)
{
    lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, count ? LVT_TIMER_PERIODIC | vector : LVT_MASKED);
    lapic_write(LAPIC_TIMER_INITIAL, count); /* writing it restarts the count */
}

void x86_lapic_timer_oneshot_masked(uint32_t count)
{
    lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    lapic_write(LAPIC_TIMER_INITIAL, count);
}

uint32_t x86_lapic_timer_current(void)
{
    return lapic_read(LAPIC_TIMER_CURRENT);
}

uint64_t x86_lapic_errors(void)
{
    return __atomic_load_n(&errors, __ATOMIC_RELAXED);
}
