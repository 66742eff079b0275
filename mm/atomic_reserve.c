/* mm/atomic_reserve.c - a stack of scrubbed frames, linked through their descriptors (no
 * memory beyond the frames themselves), popped by GFP_ATOMIC with interrupts off and pushed
 * back only in ordinary context. */
#include "mm/atomic_reserve.h"

#include "kernel/cmdline.h"
#include "kernel/context.h"
#include "kernel/deferred.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "mm/internal.h"
#include "mm/page_alloc.h"

/* reserve_lock guards head and stats; it is always taken with interrupts off. */
static struct spinlock reserve_lock = SPINLOCK_INIT("atomic_reserve");
static uint32_t head = PFN_NONE; /* the top frame of the stack */
static struct atomic_reserve_stats stats;
static bool refilling; /* a refill is running (ordinary context only) */

static void refill_work_run(void)
{
    atomic_reserve_refill();
}

/* Requested by a take that left the reserve below its target. */
static struct deferred_work refill_work =
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

struct page *atomic_reserve_take(int line)
{
    assert_irqs_disabled();
    spin_lock(&reserve_lock);
    struct page *page = NULL;
    if (head != PFN_NONE) {
        page = pfn_to_page(head);
        head = page->next;
        if (--stats.level < stats.lowest)
            stats.lowest = stats.level;
        stats.taken++;
        if (line >= 0 && line < ATOMIC_RESERVE_LINES)
            stats.taken_by_line[line]++;
        else
            stats.taken_outside_interrupts++;
    } else {
        stats.failures++;
    }
    bool below = stats.level < stats.target;
    spin_unlock(&reserve_lock);
    if (below)
        deferred_request(&refill_work);
    return page;
}

static void push(struct page *page)
{
    unsigned long flags;
    spin_lock_irqsave(&reserve_lock, &flags);
    page->state = PAGE_RESERVE;
    page->next = head;
    head = (uint32_t)page_to_pfn(page);
    stats.level++;
    spin_unlock_irqrestore(&reserve_lock, flags);
}

bool atomic_reserve_below_target(void)
{
    return READ_ONCE(stats.level) < READ_ONCE(stats.target);
}

uint64_t atomic_reserve_level(void)
{
    return READ_ONCE(stats.level);
}

uint64_t atomic_reserve_refill(void)
{
    if (context_in_interrupt() || refilling)
        return 0;
    refilling = true;
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
        unsigned long flags;
        spin_lock_irqsave(&reserve_lock, &flags);
        stats.refills++;
        stats.refilled += added;
        spin_unlock_irqrestore(&reserve_lock, flags);
    }
    refilling = false;
    return added;
}

/* Gives frames above the target back to the general pool. */
static void shrink(void)
{
    for (;;) {
        unsigned long flags;
        spin_lock_irqsave(&reserve_lock, &flags);
        struct page *page = NULL;
        if (stats.level > stats.target && head != PFN_NONE) {
            page = pfn_to_page(head);
            head = page->next;
            stats.level--;
        }
        spin_unlock_irqrestore(&reserve_lock, flags);
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
    unsigned long flags;
    spin_lock_irqsave(&reserve_lock, &flags);
    stats.target = pages;
    stats.lowest = MIN(stats.lowest, stats.level);
    spin_unlock_irqrestore(&reserve_lock, flags);
    shrink();
    atomic_reserve_refill();
    return 0;
}

void atomic_reserve_init(uint64_t managed)
{
    uint64_t fallback = atomic_reserve_default_target(managed);
    uint64_t target = cmdline_pages("atomic_reserve", fallback, 1, managed / 2);
    stats = (struct atomic_reserve_stats){.target = target};
    head = PFN_NONE;
    atomic_reserve_refill();
    stats.lowest = stats.level;
    stats.refills = 0; /* the initial fill is not a refill */
    stats.refilled = 0;
}

void atomic_reserve_get_stats(struct atomic_reserve_stats *out)
{
    unsigned long flags;
    spin_lock_irqsave(&reserve_lock, &flags);
    *out = stats;
    spin_unlock_irqrestore(&reserve_lock, flags);
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
    printk("%s; outside interrupts: %lu\n", line, s.taken_outside_interrupts);
}
