/* mm/atomic_reserve.c - a stack of scrubbed frames per CPU, linked through their descriptors
 * (no memory beyond the frames themselves), popped by GFP_ATOMIC with interrupts off
 * (atomic_reserve_pop, mm/internal.h, inlined into the allocator) and pushed back only in
 * ordinary context. */
#include "mm/atomic_reserve.h"

#include "kernel/cmdline.h"
#include "kernel/context.h"
#include "kernel/deferred.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"

/* One per CPU; each is touched only by its CPU, with interrupts off. */
struct reserve_stack reserves[MAX_CPUS] = {[0 ... MAX_CPUS - 1] = {.head = PFN_NONE}};
/* A refill is running, started on that CPU (ordinary context only). Per CPU: a refill on one
 * CPU must not keep another's pads from being topped up. */
static bool refilling[MAX_CPUS];

static void refill_work_run(void)
{
    atomic_reserve_refill();
}

/* Requested by a take (atomic_reserve_pop) that left the reserve below its target. */
struct deferred_work reserve_refill_work =
        DEFERRED_WORK_INIT("atomic reserve refill", refill_work_run);

uint64_t atomic_reserve_default_target(uint64_t managed)
{
    /* sqrt(16 x KiB) KiB, by integer Newton iteration; in pages. */
    uint64_t kib = managed * (PAGE_SIZE / 1024) * 16, root = kib, next = (root + 1) / 2;
    while (next < root) {
        root = next;
        next = (root + kib / root) / 2;
    }
    return (root + 3) / 4;
}

static void push(struct page *page)
{
    unsigned long flags = arch_irq_save();
    struct reserve_stack *reserve = this_reserve();
    reserve->lowest = MIN(reserve->lowest, reserve->level); /* the low point before it rises */
    page->state = PAGE_RESERVE;
    page->next = reserve->head;
    reserve->head = (uint32_t)page_to_pfn(page);
    reserve->level++;
    arch_irq_restore(flags);
}

bool atomic_reserve_below_target(void)
{
    return atomic_reserve_is_low();
}

uint64_t atomic_reserve_level(void)
{
    uint64_t level = 0;
    for (unsigned int i = 0; i < MAX_CPUS; i++)
        level += READ_ONCE(reserves[i].level);
    return level;
}

uint64_t atomic_reserve_refill(void)
{
    unsigned int cpu = arch_cpu_id(); /* where it starts: the flag is cleared there too */
    if (context_in_interrupt() || refilling[cpu])
        return 0;
    refilling[cpu] = true;
    uint64_t added = 0;
    while (atomic_reserve_below_target()) {
        struct page *page = page_alloc_take_for_reserve();
        if (!page)
            break;
        page_alloc_scrub(page); /* with interrupts on: the handler will not have to */
        push(page);
        added++;
    }
    if (added) {
        unsigned long flags = arch_irq_save();
        this_reserve()->refills++;
        this_reserve()->refilled += added;
        arch_irq_restore(flags);
    }
    refilling[cpu] = false;
    return added;
}

/* Gives frames above the target back to the general pool. */
static void shrink(void)
{
    for (;;) {
        unsigned long flags = arch_irq_save();
        struct reserve_stack *reserve = this_reserve();
        struct page *page = NULL;
        if (reserve->level > reserve->target && reserve->head != PFN_NONE) {
            page = pfn_to_page(reserve->head);
            reserve->head = page->next;
            reserve->level--;
        }
        arch_irq_restore(flags);
        if (!page)
            return;
        page_alloc_return_to_pool(page);
    }
}

int atomic_reserve_set_target(uint64_t pages)
{
    struct page_alloc_stats pool;
    page_alloc_get_stats(&pool);
    if (pages == 0 || pages > pool.managed / 2)
        return -EINVAL;
    unsigned long flags = arch_irq_save();
    struct reserve_stack *reserve = this_reserve();
    reserve->lowest = MIN(reserve->lowest, reserve->level);
    reserve->target = pages;
    arch_irq_restore(flags);
    shrink();
    atomic_reserve_refill();
    return 0;
}

/* Sets this CPU's stock up with `target` and fills it. */
static void init_this_cpu(uint64_t target)
{
    struct reserve_stack *reserve = this_reserve();
    *reserve = (struct reserve_stack){.head = PFN_NONE, .target = target};
    atomic_reserve_refill();
    reserve->lowest = reserve->level;
    reserve->refills = 0; /* the initial fill is not a refill */
    reserve->refilled = 0;
}

void atomic_reserve_init(uint64_t managed)
{
    uint64_t fallback = atomic_reserve_default_target(managed);
    init_this_cpu(cmdline_pages("atomic_reserve", fallback, 1, managed / 2));
}

void atomic_reserve_init_cpu(void)
{
    init_this_cpu(READ_ONCE(reserves[0].target));
}

/* Adds one CPU's figures to the totals. */
static void add_stats(struct atomic_reserve_stats *out, const struct reserve_stack *reserve)
{
    out->target += reserve->target;
    out->level += reserve->level;
    out->lowest += MIN(reserve->lowest, reserve->level); /* it may be falling right now */
    out->failures += reserve->failures;
    out->refills += reserve->refills;
    out->refilled += reserve->refilled;
    out->taken_outside_interrupts += reserve->taken_by[0];
    for (int line = 0; line < ATOMIC_RESERVE_LINES; line++)
        out->taken_by_line[line] += reserve->taken_by[1 + line];
}

void atomic_reserve_get_cpu_stats(unsigned int cpu, struct atomic_reserve_stats *out)
{
    *out = (struct atomic_reserve_stats){0};
    if (cpu >= MAX_CPUS)
        return;
    unsigned long flags = arch_irq_save();
    add_stats(out, &reserves[cpu]);
    arch_irq_restore(flags);
    out->taken = out->taken_outside_interrupts;
    for (int line = 0; line < ATOMIC_RESERVE_LINES; line++)
        out->taken += out->taken_by_line[line];
}

void atomic_reserve_get_stats(struct atomic_reserve_stats *out)
{
    *out = (struct atomic_reserve_stats){0};
    unsigned long flags = arch_irq_save();
    for (unsigned int i = 0; i < MAX_CPUS; i++)
        add_stats(out, &reserves[i]);
    arch_irq_restore(flags);
    out->taken = out->taken_outside_interrupts; /* derived, not counted on the hot path */
    for (int line = 0; line < ATOMIC_RESERVE_LINES; line++)
        out->taken += out->taken_by_line[line];
}

void atomic_reserve_print_stats(void)
{
    struct atomic_reserve_stats s;
    atomic_reserve_get_stats(&s);
    printk("atomic reserve: target %lu, level %lu, lowest %lu; taken %lu, failed %lu; "
           "%lu refills added %lu frames\n",
           s.target, s.level, s.lowest, s.taken, s.failures, s.refills, s.refilled);
    char line[200];
    int length = ksnprintf(line, sizeof(line), "atomic reserve: taken by irq line:");
    for (int i = 0; i < ATOMIC_RESERVE_LINES; i++) {
        if (s.taken_by_line[i])
            length += ksnprintf(line + length, sizeof(line) - (size_t)length, " %d:%lu", i,
                                s.taken_by_line[i]);
    }
    printk("%s%s; outside interrupts: %lu\n", line,
           s.taken == s.taken_outside_interrupts ? " none" : "", s.taken_outside_interrupts);
}
