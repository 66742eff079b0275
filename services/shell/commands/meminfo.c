/* services/shell/commands/meminfo.c - meminfo: every figure of the page allocator, the
 * landing pads (totals, and each handler registration's claim, level and takes), the frames
 * on their way from interrupt handlers to their consumers, GFP_KERNEL's waits for memory, each
 * CPU's share (its hot cache, its landing pads), the zone lock's hold times, and every problem
 * the allocator refused. */
#include "kernel/frame_pipe.h"
#include "kernel/irq.h"
#include "kernel/netdev.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/smp.h"
#include "kernel/spinlock.h"
#include "lib/errno.h"
#include "mm/atomic_reserve.h"
#include "mm/exclusive.h"
#include "mm/page_alloc.h"
#include "services/shell/shell.h"

static void print_errors(void)
{
    struct page_alloc_errors e;
    struct exclusive_errors x;
    page_alloc_get_errors(&e);
    exclusive_get_errors(&x);
    printk("errors: double free %lu, not allocated %lu, wrong order %lu, poison overwritten "
           "%lu\n",
           e.double_free, e.not_allocated, e.wrong_order, e.poison_corrupted);
    printk("EXCLUSIVE refused: wrong owner %lu, invalid new owner %lu, second reference %lu, "
           "second mapping %lu, freed while mapped %lu\n",
           x.wrong_owner, x.invalid_owner, x.second_reference, x.second_mapping,
           x.freed_while_mapped);
}

/* One line per registration: its claim, its level, and where its takes came from. */
static void print_handler_pads(void)
{
    struct irq_handler_info handlers[IRQ_HANDLERS_MAX];
    for (int irq = 0; irq < IRQ_LINES; irq++) {
        int count = irq_handlers_of(irq, handlers, IRQ_HANDLERS_MAX);
        for (int i = 0; i < count && i < IRQ_HANDLERS_MAX; i++) {
            struct atomic_reserve_account a;
            if (atomic_reserve_get_account(handlers[i].context, &a) != 0)
                continue;
            printk("atomic reserve: irq %d %s: claim %lu, level %lu; own pads %lu, shared %lu, "
                   "pool %lu, below min %lu, failed %lu; scrubbed in handler %lu\n",
                   irq, handlers[i].name, a.claimed, a.level, a.from_claim, a.from_shared,
                   a.from_pool, a.below_min, a.failed, a.scrubbed);
        }
    }
}

/* One line per CPU: its hot cache, its calls, its landing pads. */
static void print_per_cpu(void)
{
    for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!sched_cpu_is_online(cpu))
            continue;
        struct page_alloc_cpu_stats pages;
        struct atomic_reserve_stats pads;
        page_alloc_get_cpu_stats(cpu, &pages);
        atomic_reserve_get_cpu_stats(cpu, &pads);
        printk("CPU %u: hot cache %lu; %lu allocations, %lu frees, %lu failed; pads %lu of %lu "
               "(lowest %lu), %lu taken, %lu failed, %lu refills\n",
               cpu, pages.hot_cache, pages.allocations, pages.frees, pages.failures, pads.level,
               pads.target, pads.lowest, pads.taken, pads.failures, pads.refills);
    }
}

/* GFP_KERNEL's waits at the min watermark (mm/page_alloc_wait.c). */
static void print_waits(void)
{
    struct page_alloc_wait_stats w;
    page_alloc_get_wait_stats(&w);
    printk("waiting for memory: %lu now; %lu waits (%lu served, %lu timed out after %lu ms), "
           "%lu frees woke the queue; %lu refused in an invalid context\n",
           w.waiting, w.waits, w.served, w.timeouts, page_alloc_wait_timeout(), w.wakeups,
           w.refused);
}

static void print_zone_lock(void)
{
    struct spinlock_stats lock;
    page_alloc_get_lock_stats(&lock, false);
    printk("zone lock: taken %lu times, %lu of them after a wait (%lu turns of waiting); held "
           "%lu cycles on average, %lu at most\n",
           lock.taken, lock.contended, lock.spins, lock.taken ? lock.hold_cycles / lock.taken : 0,
           lock.hold_max);
}

static int meminfo_command(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return -EINVAL;
    page_alloc_print_stats();
    print_waits();
    atomic_reserve_print_stats();
    print_handler_pads();
    printk("frames in flight from interrupt handlers to their consumers: %lu\n",
           frame_pipe_frames_in_flight() + netdev_frames_in_flight());
    print_per_cpu();
    print_zone_lock();
    print_errors();
    return 0;
}
SHELL_COMMAND(meminfo, "the page allocator's and the landing pads' figures", meminfo_command);
