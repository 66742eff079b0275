/* mm/page_alloc.c - where an allocation is served from (the GFP policy) and how a free is
 * checked and given back.
 *
 * The pool is the buddy lists (mm/buddy.c) with a per-CPU hot cache in front of them for
 * order 0 (mm/hot_cache.c). GFP_KERNEL takes from the pool down to the min watermark;
 * GFP_ATOMIC then takes a scrubbed frame from the atomic reserve (mm/atomic_reserve.c), then
 * digs into the headroom below min. Every refusal of a free is reported and counted
 * (mm/page_stats.c); freed frames are poisoned when asked (mm/poison.c), EXCLUSIVE ones
 * always (mm/exclusive.c).
 */
#include "mm/page_alloc.h"

#include "arch/arch.h"
#include "kernel/context.h"
#include "kernel/spinlock.h"
#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/atomic_reserve.h"
#include "mm/boot_alloc.h"
#include "mm/buddy.h"
#include "mm/exclusive.h"
#include "mm/internal.h"

struct mm_limits mm_limits;
bool mm_poison_on_free;
struct cpu_pages cpu_pages[MAX_CPUS];

/* This CPU's, through a per-CPU word (one load, not an index times a size). Interrupts off,
 * or the answer may be another CPU's by the time it is used. */
static struct cpu_pages *this_cpu(void)
{
    return (struct cpu_pages *)arch_cpu_word(CPU_WORD_PAGES);
}

void page_alloc_init_cpu(void)
{
    unsigned int cpu = arch_cpu_id();
    arch_cpu_word_set(CPU_WORD_PAGES, (long)(uintptr_t)&cpu_pages[cpu]);
    arch_cpu_word_set(CPU_WORD_RESERVE, (long)(uintptr_t)&reserves[cpu]);
}

/* --- allocation
 * ------------------------------------------------------------------------------------ */

static uint64_t free_now(const struct cpu_pages *cpu)
{
    return zone.free_pages + cpu->cache.count;
}

/* Takes a block from the general pool, down to `floor` free frames. Interrupts off. */
static struct page *pool_take(struct cpu_pages *cpu, unsigned int order, uint64_t floor)
{
    if (free_now(cpu) < floor + (1ul << order))
        return NULL;
    if (order == 0)
        return hot_cache_take(&cpu->cache);
    spin_lock(&zone.lock);
    struct page *page = buddy_take(order);
    spin_unlock(&zone.lock);
    if (!page && cpu->cache.count) {
        /* The missing buddies may be sitting in the hot cache: give them back, so they
         * merge, and look again. */
        hot_cache_drain(&cpu->cache, cpu->cache.count);
        spin_lock(&zone.lock);
        page = buddy_take(order);
        spin_unlock(&zone.lock);
    }
    return page;
}

/* A block from the general pool, interrupts off: down to min, then (GFP_ATOMIC) below it. */
static struct page *take_block(struct cpu_pages *cpu, gfp_t gfp, unsigned int order)
{
    struct page *page = pool_take(cpu, order, mm_limits.watermark_min);
    if (!page && (gfp & __GFP_ATOMIC))
        page = pool_take(cpu, order, 0); /* below min: the headroom kept for this */
    return page;
}

/* An EXCLUSIVE block's owner: the handlers of the IRQ line running, or the boot thread. */
static context_t owner_of(gfp_t gfp, int line)
{
    if (!(gfp & __GFP_EXCLUSIVE))
        return CONTEXT_NONE;
    return line >= 0 ? CONTEXT_IRQ(line) : CONTEXT_BOOT;
}

/* The cold ends of an allocation, kept out of line so the common path stays short: a failure,
 * and a block that needs its poison checked or zeroing. */
static __attribute__((noinline, cold)) struct page *alloc_failed(struct cpu_pages *cpu,
                                                                 unsigned long flags)
{
    cpu->failures++;
    arch_irq_restore(flags);
    return NULL;
}

static __attribute__((noinline)) struct page *prepare_block(struct page *page, unsigned int order,
                                                            gfp_t gfp)
{
    /* The block is ours now: checking and clearing it needs no lock. */
    poison_check(page, order);
    if (gfp & (__GFP_ZERO | __GFP_EXCLUSIVE))
        memset(page_address(page), 0, PAGE_SIZE << order);
    return page;
}

/* Marks a block from the pool allocated, counts a take by an interrupt handler, restores
 * interrupts, then has the block checked and zeroed when that is needed. */
static inline __attribute__((always_inline)) struct page *
finish_alloc(struct cpu_pages *cpu, struct page *page, unsigned int order, gfp_t gfp, int line,
             unsigned long flags)
{
    if (unlikely(!page))
        return alloc_failed(cpu, flags);
    uint32_t exclusive = gfp & __GFP_EXCLUSIVE ? PAGE_TAG(0, PG_EXCLUSIVE, 0, 0) : 0;
    page->tag = PAGE_TAG(PAGE_ALLOCATED, page->flags & PG_POISONED, order, 1) | exclusive;
    page->owner = owner_of(gfp, line);
    cpu->allocations++;
    cpu->pool_taken_by[line + 1]++;
    arch_irq_restore(flags);
    if (order == 0 && !(page->flags & PG_POISONED) && !(gfp & (__GFP_ZERO | __GFP_EXCLUSIVE)))
        return page;
    return prepare_block(page, order, gfp);
}

/* A frame from the atomic reserve, interrupts off: the interrupt handler's path, kept to a
 * few dozen instructions. The frame is zeroed and poison-checked already: nothing is left to
 * do but mark it allocated. Returns NULL (counted) when the reserve is empty. */
static inline __attribute__((always_inline)) struct page *
take_from_reserve(struct cpu_pages *cpu, gfp_t gfp, int line, unsigned long flags)
{
    struct page *page = atomic_reserve_pop(line);
    if (unlikely(!page))
        return NULL;
    page->tag = PAGE_TAG(PAGE_ALLOCATED, gfp & __GFP_EXCLUSIVE ? PG_EXCLUSIVE : 0, 0, 1);
    page->owner = owner_of(gfp, line);
    cpu->allocations++;
    arch_irq_restore(flags);
    return page;
}

/* What alloc_page does when neither the hot cache nor the reserve can serve: refill the hot
 * cache, or dig below min. Out of line, so the fast paths save fewer registers. */
static __attribute__((noinline)) struct page *alloc_page_slow(struct cpu_pages *cpu, gfp_t gfp,
                                                              int line, unsigned long flags)
{
    return finish_alloc(cpu, take_block(cpu, gfp, 0), 0, gfp, line, flags);
}

struct page *alloc_page(gfp_t gfp)
{
    unsigned long flags = arch_irq_save();
    struct cpu_pages *cpu = this_cpu();
    int line = context_irq_line();
    uint64_t free = free_now(cpu);
    /* The common case first: the hot cache, while the pool stays above min. */
    if (likely(cpu->cache.count && free > mm_limits.watermark_min))
        return finish_alloc(cpu, cpu->cache.frames[--cpu->cache.count], 0, gfp, line, flags);
    /* At min, GFP_ATOMIC takes a ready frame from the reserve, and only then digs below. */
    if ((gfp & __GFP_ATOMIC) && free <= mm_limits.watermark_min) {
        struct page *page = take_from_reserve(cpu, gfp, line, flags);
        if (page)
            return page;
    }
    return alloc_page_slow(cpu, gfp, line, flags);
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
    if (order == 0)
        return alloc_page(gfp);
    unsigned long flags = arch_irq_save();
    struct cpu_pages *cpu = this_cpu();
    struct page *page = order <= MAX_ORDER ? take_block(cpu, gfp, order) : NULL;
    return finish_alloc(cpu, page, order, gfp, context_irq_line(), flags);
}

/* --- freeing
 * ---------------------------------------------------------------------------------------- */

/* Checks that (page, order) is an allocated block that may be freed now. Interrupts off. */
static int check_free(const struct page *page, unsigned int order)
{
    static const char *const function = "free_pages";
    if (!is_descriptor(page)) {
        mm_report(&mm_errors.not_allocated, function, page, "not a frame descriptor");
        return -EINVAL;
    }
    switch (page->state) {
    case PAGE_ALLOCATED:
        break;
    case PAGE_FREE:
    case PAGE_HOT:
    case PAGE_RESERVE:
        mm_report(&mm_errors.double_free, function, page,
                  "double free (the frame is already free)");
        return -EINVAL;
    case PAGE_RESERVED:
        mm_report(&mm_errors.not_allocated, function, page, "frame not managed by the allocator");
        return -EINVAL;
    default:
        mm_report(&mm_errors.not_allocated, function, page,
                  "not the first frame of an allocated block (freed twice, or a bad pointer?)");
        return -EINVAL;
    }
    if (page->order != order) {
        mm_report(&mm_errors.wrong_order, function, page,
                  "freed as order %u, allocated as order %u", order, page->order);
        return -EINVAL;
    }
    return exclusive_check_free(page);
}

/* Gives a checked block back to the hot cache or the buddy lists. Interrupts off. */
static void release_frames(struct cpu_pages *cpu, struct page *page, unsigned int order)
{
    page->flags &= PG_POISONED;
    page->owner = 0;
    cpu->frees++;
    if (order == 0) {
        hot_cache_put(&cpu->cache, page);
        return;
    }
    spin_lock(&zone.lock);
    buddy_free(page, order);
    spin_unlock(&zone.lock);
}

/* Frees a checked block, poisoning it first when asked or when it was EXCLUSIVE. */
static void free_checked(struct page *page, unsigned int order, unsigned long flags)
{
    if (!mm_poison_on_free && !(page->flags & PG_EXCLUSIVE)) {
        release_frames(this_cpu(), page, order);
        arch_irq_restore(flags);
        return;
    }
    /* Poison with interrupts on: the block is in transit (PAGE_TAIL), so a second free of it
     * meanwhile is refused as "not allocated". */
    page->state = PAGE_TAIL;
    arch_irq_restore(flags);
    poison_fill(page, order);
    flags = arch_irq_save();
    release_frames(this_cpu(), page, order);
    arch_irq_restore(flags);
}

/* The free path of ordinary code tops the atomic reserve up; handlers never do. */
static inline void refill_reserve_if_low(void)
{
    if (unlikely(atomic_reserve_is_low()) && !context_in_interrupt())
        atomic_reserve_refill();
}

/* Everything but the common case, out of line: full checks (each refusal reported and
 * counted), a reference dropped, poisoning, EXCLUSIVE frames, larger blocks. Restores
 * `flags`. */
static __attribute__((noinline)) int free_slow(struct page *page, unsigned int order,
                                               unsigned long flags)
{
    int error = check_free(page, order);
    if (error || --page->refcount > 0) {
        arch_irq_restore(flags);
        return error;
    }
    free_checked(page, order, flags);
    refill_reserve_if_low();
    return 0;
}

int free_page(struct page *page)
{
    unsigned long flags = arch_irq_save();
    /* The common case: an ordinary frame allocated once, and no poisoning asked for. */
    if (unlikely(!is_descriptor(page) || page->tag != PAGE_TAG(PAGE_ALLOCATED, 0, 0, 1) ||
                 mm_poison_on_free))
        return free_slow(page, 0, flags);
    struct cpu_pages *cpu = this_cpu();
    cpu->frees++;
    hot_cache_put(&cpu->cache, page);
    arch_irq_restore(flags);
    refill_reserve_if_low();
    return 0;
}

int free_pages(struct page *page, unsigned int order)
{
    if (order == 0)
        return free_page(page);
    return free_slow(page, order, arch_irq_save());
}

/* --- for the atomic reserve (mm/internal.h)
 * ------------------------------------------------------------ */

struct page *page_alloc_take_for_reserve(void)
{
    unsigned long flags = arch_irq_save();
    struct page *page = pool_take(this_cpu(), 0, 0);
    if (page)
        page->state = PAGE_TAIL; /* in transit to the reserve */
    arch_irq_restore(flags);
    return page;
}

void page_alloc_scrub(struct page *page)
{
    poison_check(page, 0);
    memset(page_address(page), 0, PAGE_SIZE);
}

void page_alloc_return_to_pool(struct page *page)
{
    unsigned long flags = arch_irq_save();
    page->flags = 0;
    hot_cache_put(&this_cpu()->cache, page);
    arch_irq_restore(flags);
}

/* --- boot ------------------------------------------------------------------------------- */

static void add_free_range(uint64_t start, uint64_t end)
{
    mm_limits.managed += buddy_add_range(start, end);
}

static void set_watermarks(void)
{
    /* A small fraction of memory, as Linux's min_free_kbytes is: enough headroom for
     * interrupt handlers (and the atomic reserve's refills) when ordinary code runs dry. */
    uint64_t min = MIN(MAX(mm_limits.managed / 256, 32ul), 16384ul);
    mm_limits.watermark_min = min;
    mm_limits.watermark_low = min + min / 4;
    mm_limits.watermark_high = min + min / 2;
}

void page_alloc_init(const struct memmap *map, bool poison)
{
    buddy_init();
    mm_limits = (struct mm_limits){0};
    frame_db_init(map);
    boot_alloc_release(add_free_range);
    set_watermarks();
    mm_poison_on_free = poison;
    for (unsigned int i = 0; i < MAX_CPUS; i++) {
        cpu_pages[i] = (struct cpu_pages){0};
        hot_cache_init(&cpu_pages[i].cache);
    }
    mm_errors = (struct page_alloc_errors){0};
    page_alloc_init_cpu();
}

/* --- for the shell and tests ---------------------------------------------------------- */

void page_alloc_drain_hot_cache(void)
{
    unsigned long flags = arch_irq_save();
    struct cpu_pages *cpu = this_cpu();
    hot_cache_drain(&cpu->cache, cpu->cache.count);
    arch_irq_restore(flags);
}

void page_alloc_set_poison(bool on)
{
    mm_poison_on_free = on;
}
