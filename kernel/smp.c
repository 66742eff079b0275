/* kernel/smp.c - the other CPUs' start: the boot CPU makes each one's idle thread and
 * deferred-work worker, starts it (arch_cpu_start) and waits for it to say it is up; each one,
 * on its own, sets up its local part of the interrupt controller, its landing pads and its
 * tick before it takes threads. */
#include "kernel/smp.h"

#include "arch/arch.h"
#include "kernel/clock.h"
#include "kernel/context.h"
#include "kernel/deferred.h"
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "lib/errno.h"
#include "mm/atomic_reserve.h"
#include "mm/page_alloc.h"

#define ONLINE_TIMEOUT_MS 2000 /* from running its first code to taking threads */

/* Set by the boot CPU before it starts CPU n; read by CPU n. */
static struct thread *idle_threads[MAX_CPUS];
static bool came_up[MAX_CPUS]; /* set by each CPU once it takes threads */
static unsigned int online = 1;

/* Another CPU's first kernel code, on its idle thread's stack, interrupts off. */
static void cpu_main(unsigned int cpu)
{
    context_start_cpu();
    irq_init_cpu();
    page_alloc_init_cpu();
    atomic_reserve_init_cpu();
    sched_cpu_online(idle_threads[cpu]);
    clock_start_cpu();
    __atomic_add_fetch(&online, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&came_up[cpu], true, __ATOMIC_RELEASE);
    thread_run_idle(idle_threads[cpu]);
}

static bool wait_until_up(unsigned int cpu, uint64_t cycles_per_ms)
{
    uint64_t start = arch_cycles();
    while (!__atomic_load_n(&came_up[cpu], __ATOMIC_ACQUIRE)) {
        if (arch_cycles() - start > ONLINE_TIMEOUT_MS * cycles_per_ms)
            return false;
        thread_yield();
    }
    return true;
}

/* Starts the CPU with local APIC id apic_id as CPU `cpu`. Returns 0 or why not (logged). */
static int start_cpu(unsigned int cpu, uint32_t apic_id, uint64_t start_page)
{
    uint64_t cycles_per_ms = clock_tsc_hz() / 1000;
    struct arch_cpu_start start = {
            .cpu = cpu,
            .apic_id = apic_id,
            .start_page = start_page,
            .cycles_per_ms = cycles_per_ms,
            .entry = cpu_main,
    };
    bool stacks = true;
    for (unsigned int which = 0; which < ARCH_CPU_STACKS; which++)
        stacks = (start.own_stack_tops[which] = thread_cpu_stack(cpu, which)) != 0 && stacks;
    idle_threads[cpu] = stacks ? thread_create_idle(cpu) : NULL;
    if (!idle_threads[cpu] || deferred_thread_start(cpu) != 0) {
        printk("smp: no memory for CPU %u (APIC id %u); left out\n", cpu, apic_id);
        return -ENOMEM;
    }
    start.stack_top = thread_stack_top(idle_threads[cpu]);
    int error = arch_cpu_start(&start);
    if (!error && !wait_until_up(cpu, cycles_per_ms))
        error = -ETIMEDOUT;
    if (error)
        printk("smp: the CPU with APIC id %u did not answer (%s); left out\n", apic_id,
               errno_name(error));
    return error;
}

void smp_start(const struct acpi_madt *madt, uint64_t start_page)
{
    unsigned int next = 1, beyond = 0;
    if (madt && (!start_page || !clock_tsc_hz())) {
        printk("smp: %s; the other CPUs stay off\n",
               start_page ? "the TSC is not calibrated" : "no page for the start code");
        madt = NULL;
    }
    for (unsigned int i = 0; madt && i < madt->cpu_count; i++) {
        const struct acpi_cpu *cpu = &madt->cpus[i];
        if (!cpu->enabled || cpu->apic_id == arch_cpu_hw_id())
            continue;
        if (next == MAX_CPUS || cpu->apic_id > 0xff) {
            beyond++; /* no room, or an x2APIC id this kernel cannot reach */
            continue;
        }
        if (start_cpu(next, cpu->apic_id, start_page) == 0)
            next++;
    }
    if (beyond)
        printk("smp: %u CPU%s beyond what this kernel runs (MAX_CPUS %u, xAPIC ids); left "
               "out\n",
               beyond, beyond == 1 ? "" : "s", MAX_CPUS);
    unsigned int up = smp_cpus_online();
    printk("smp: %u CPU%s online\n", up, up == 1 ? "" : "s");
}

unsigned int smp_cpus_online(void)
{
    return __atomic_load_n(&online, __ATOMIC_RELAXED);
}
