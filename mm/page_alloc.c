/* mm/page_alloc.c - where an allocation is served from (the GFP policy) and how a free is
 * checked and given back.
 *
 * The pool is the buddy lists (mm/buddy.c) with a per-CPU hot cache in front of them for
 * order 0 (mm/hot_cache.c). GFP_KERNEL and GFP_NOWAIT take from the pool down to the min
 * watermark, where GFP_KERNEL waits for a free (mm/page_alloc_wait.c); GFP_ATOMIC then takes a
 * scrubbed frame from the landing pads (mm/atomic_reserve.c), then digs into the headroom below
 * min. In an interrupt handler, an order-0 GFP_ATOMIC take of a clean frame (EXCLUSIVE or
 * __GFP_ZERO) goes to the pads first, at every level of the pool. Every refusal of a free is
 * reported and counted (mm/page_stats.c); freed frames are poisoned when asked (mm/poison.c),
 * EXCLUSIVE ones always (mm/exclusive.c).
 */
#include "mm/page_alloc.h"

#include "arch/arch.h"
#include "kernel/context.h"
#include "kernel/printk.h"
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
    arch_cpu_word_set(CPU_WORD_RESERVE, (long)(uintptr_t)&cpu_pads[cpu]);
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

/* An EXCLUSIVE block's owner: the context allocating it. */
static inline context_t owner_of(gfp_t gfp, context_t self)
{
    return gfp & __GFP_EXCLUSIVE ? self : CONTEXT_NONE;
}

/* The cold ends of an allocation, kept out of line so the common path stays short: a failure,
 * and a block that needs its poison checked or zeroing. */
/* A GFP_KERNEL caller goes on to wait here, by a tail call: every step from alloc_page or
 * alloc_pages to page_alloc_wait is one, so the return address page_alloc_wait finds is its
 * caller's (named if it must not sleep; the page_alloc_wait suite checks the name), and the
 * fast paths pay nothing for the wait. */
static __attribute__((noinline, cold)) struct page *
alloc_failed(struct cpu_pages *cpu, gfp_t gfp, unsigned int order, unsigned long flags)
{
    /* Only at min, and once the boot is over: a failure above min is no block of that order
     * (fragmentation), which frees need not mend; it fails at once, as it always did. */
    if (page_alloc_may_wait(gfp) && order <= MAX_ORDER && READ_ONCE(page_alloc_waits_started) &&
        free_now(cpu) < mm_limits.watermark_min + (1ul << order)) {
        arch_irq_restore(flags);
        return page_alloc_wait(gfp, order); /* counted there if it gives up */
    }
    if (!(gfp & __GFP_WAITING))
        cpu->failures++; /* a waiting allocation's retries are not calls of their own */
    arch_irq_restore(flags);
    return NULL;
}

static __attribute__((noinline)) struct page *prepare_block(struct page *page, unsigned int order,
                                                            gfp_t gfp)
{
    /* The block is ours now: checking and clearing it needs no lock. An EXCLUSIVE block
     * always comes this way (it is zeroed): counted here for a thread that owns it. */
    if (gfp & __GFP_EXCLUSIVE)
        exclusive_count_taken(page->owner, order);
    poison_check(page, order);
    if (gfp & (__GFP_ZERO | __GFP_EXCLUSIVE))
        memset(page_address(page), 0, PAGE_SIZE << order);
    return page;
}

/* Marks a block from the pool allocated, restores interrupts, then has the block checked and
 * zeroed when that is needed. */
static inline __attribute__((always_inline)) struct page *
finish_alloc(struct cpu_pages *cpu, struct page *page, unsigned int order, gfp_t gfp,
             context_t self, unsigned long flags)
{
    if (unlikely(!page))
        return alloc_failed(cpu, gfp, order, flags);
    uint32_t exclusive = gfp & __GFP_EXCLUSIVE ? PAGE_TAG(0, PG_EXCLUSIVE, 0, 0) : 0;
    page->tag = PAGE_TAG(PAGE_ALLOCATED, page->flags & PG_POISONED, order, 1) | exclusive;
    page->owner = owner_of(gfp, self);
    cpu->allocations++;
    arch_irq_restore(flags);
    if (order == 0 && !(page->flags & PG_POISONED) && !(gfp & (__GFP_ZERO | __GFP_EXCLUSIVE)))
        return page;
    return prepare_block(page, order, gfp);
}

/* A frame popped from the pads, interrupts off: it is zeroed and poison-checked already, so
 * nothing is left to do but mark it allocated and ask for the refill when it is due. */
static inline __attribute__((always_inline)) struct page *
hand_out_pad(struct page *page, gfp_t gfp, context_t self, unsigned long flags, bool refill_due)
{
    /* Two plain stores: WRITE_ONCE keeps the compiler from merging them into one 64-bit
     * store whose value it would then build on every path of alloc_page. */
    if (likely(gfp & __GFP_EXCLUSIVE)) {
        page->owner = self;
        WRITE_ONCE(page->tag, PAGE_TAG(PAGE_ALLOCATED, PG_EXCLUSIVE, 0, 1));
    } else {
        page->owner = CONTEXT_NONE;
        WRITE_ONCE(page->tag, PAGE_TAG(PAGE_ALLOCATED, 0, 0, 1));
    }
    /* Not counted in cpu->allocations: the pads' accounts count every take already, and the
     * statistics add those in (page_stats.c). */
    /* Laid out in line: the take that asks is the slowest, and a jump back would add one. */
    if (__builtin_expect(refill_due, 1))
        deferred_request_irqs_off(&reserve_refill_work); /* merged if asked for already */
    arch_irq_restore(flags);
    return page;
}

/* A frame of the shared stock for ordinary GFP_ATOMIC once the pool is at min, or NULL when
 * it is empty. Interrupts off. */
static struct page *take_shared_pad(gfp_t gfp, context_t self, unsigned long flags)
{
    struct cpu_pads *pads = this_pads();
    if (pads->shared.head == PFN_NONE)
        return NULL;
    pads->taken_outside++;
    bool refill_due = pads->shared.level == pads->shared.refill_below; /* it crosses the mark */
    struct page *page = hand_out_pad(pad_pop(pads, &pads->shared), gfp, self, flags, refill_due);
    if (gfp & __GFP_EXCLUSIVE)
        exclusive_count_taken(self, 0); /* here, not in hand_out_pad: handlers own no count */
    return page;
}

/* A handler's own pad, else a shared one, counted for it; NULL when both are empty. Other
 * handlers' claims are never looked at. *refill_due: the take just left the stack below its
 * refill mark (struct pad_stack). Once: the takes after it find the refill asked for, or, if
 * it ran and the pool had nothing, the free that brings memory back refills. Interrupts
 * off. */
static inline __attribute__((always_inline)) struct page *
pop_for_handler(struct cpu_pads *pads, struct pad_account *account, bool *refill_due)
{
    struct pad_stack *stack = &account->claim;
    uint64_t *taken = &account->taken[PAD_TAKE_CLAIM];
    if (stack->head == PFN_NONE) {
        stack = &pads->shared;
        taken = &account->taken[PAD_TAKE_SHARED];
    }
    if (unlikely(stack->head == PFN_NONE))
        return NULL;
    (*taken)++;
    struct page *page = pad_pop(pads, stack);
    *refill_due = stack->level + 1 == stack->refill_below; /* it just crossed the mark */
    return page;
}

/* What alloc_page does when neither the hot cache nor the pads can serve: refill the hot
 * cache, or dig below min. Out of line, so the fast paths save fewer registers. */
static __attribute__((noinline)) struct page *alloc_page_slow(struct cpu_pages *cpu, gfp_t gfp,
                                                              context_t self, unsigned long flags)
{
    return finish_alloc(cpu, take_block(cpu, gfp, 0), 0, gfp, self, flags);
}

/* A handler's order-0 take that its pads could not serve, or that needs no clean frame: the
 * pool down to min, then (GFP_ATOMIC, for a frame that need not be clean) the pads, then
 * below min. Counted for the handler; a clean frame from the pool is scrubbed by the handler
 * itself (counted too), and the refill is asked for, since the pads were empty. */
static __attribute__((noinline)) struct page *
alloc_page_in_handler_slow(struct cpu_pages *cpu, gfp_t gfp, context_t self, unsigned long flags)
{
    struct cpu_pads *pads = this_pads();
    struct pad_account *account = &pads->handlers[context_handler_slot(self)];
    bool clean = gfp & (__GFP_ZERO | __GFP_EXCLUSIVE);
    enum pad_take kind = PAD_TAKE_POOL;
    struct page *page = pool_take(cpu, 0, mm_limits.watermark_min);
    if (!page && (gfp & __GFP_ATOMIC) && !clean) {
        bool refill_due;
        page = pop_for_handler(pads, account, &refill_due);
        if (page)
            return hand_out_pad(page, gfp, self, flags, refill_due);
    }
    if (!page && (gfp & __GFP_ATOMIC)) {
        page = pool_take(cpu, 0, 0); /* below min: the headroom kept for this */
        kind = PAD_TAKE_BELOW_MIN;
    }
    account->taken[page ? kind : PAD_TAKE_FAILED]++;
    account->scrubbed += page && clean;
    /* The pads ran dry and the pool served: top them up. A take that got nothing asks for
     * nothing: the pool is empty, and the free that brings memory back refills the pads. (A
     * failing handler at 10 kHz would otherwise wake the refill thread 10 000 times a second
     * for nothing.) */
    if (clean && page)
        deferred_request_irqs_off(&reserve_refill_work);
    return finish_alloc(cpu, page, 0, gfp, self, flags);
}

/* In an interrupt handler: a GFP_ATOMIC take of a clean frame pops the handler's own pads,
 * then the shared stock, whatever the pool's level: a few dozen instructions, nothing
 * scrubbed. Everything else goes out of line. */
static inline __attribute__((always_inline)) struct page *
alloc_page_in_handler(struct cpu_pages *cpu, gfp_t gfp, context_t self, unsigned long flags)
{
    if (likely((gfp & __GFP_ATOMIC) && (gfp & (__GFP_ZERO | __GFP_EXCLUSIVE)))) {
        struct cpu_pads *pads = this_pads();
        bool refill_due;
        struct page *page =
                pop_for_handler(pads, &pads->handlers[context_handler_slot(self)], &refill_due);
        if (likely(page))
            return hand_out_pad(page, gfp, self, flags, refill_due);
    }
    return alloc_page_in_handler_slow(cpu, gfp, self, flags);
}

/* At min, ordinary GFP_ATOMIC takes a ready frame from the shared pads, and only then digs
 * below. Out of line, reached by a tail call: a call that returns here would give alloc_page
 * a stack frame, and every take in a handler 5 instructions more. */
static __attribute__((noinline)) struct page *
alloc_page_atomic_at_min(struct cpu_pages *cpu, gfp_t gfp, context_t self, unsigned long flags)
{
    struct page *page = take_shared_pad(gfp, self, flags);
    if (!page)
        return alloc_page_slow(cpu, gfp, self, flags);
    deferred_kick(); /* ordinary code: wake the refill now, not at the next interrupt */
    return page;
}

struct page *alloc_page(gfp_t gfp)
{
    unsigned long flags = arch_irq_save();
    struct cpu_pages *cpu = this_cpu();
    context_t self = context_current();
    if (context_is_handler(self))
        return alloc_page_in_handler(cpu, gfp, self, flags);
    uint64_t free = free_now(cpu);
    /* The common case first: the hot cache, while the pool stays above min. */
    if (likely(cpu->cache.count && free > mm_limits.watermark_min))
        return finish_alloc(cpu, cpu->cache.frames[--cpu->cache.count], 0, gfp, self, flags);
    if ((gfp & __GFP_ATOMIC) && free <= mm_limits.watermark_min)
        return alloc_page_atomic_at_min(cpu, gfp, self, flags);
    return alloc_page_slow(cpu, gfp, self, flags);
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
    if (order == 0)
        return alloc_page(gfp);
    unsigned long flags = arch_irq_save();
    struct cpu_pages *cpu = this_cpu();
    struct page *page = order <= MAX_ORDER ? take_block(cpu, gfp, order) : NULL;
    return finish_alloc(cpu, page, order, gfp, context_current(), flags);
}

bool page_alloc_could_serve(unsigned int order)
{
    return free_now(this_cpu()) >= mm_limits.watermark_min + (1ul << order);
}

void page_alloc_count_failure(void)
{
    unsigned long flags = arch_irq_save();
    this_cpu()->failures++;
    arch_irq_restore(flags);
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
    /* Poison with interrupts on (when the caller had them on): the block is in transit, so a
     * second free of it meanwhile is refused as "not allocated". */
    page->state = PAGE_TRANSIT;
    arch_irq_restore(flags);
    poison_fill(page, order);
    flags = arch_irq_save();
    release_frames(this_cpu(), page, order);
    arch_irq_restore(flags);
}

/* The free path tops the pads up: at once in ordinary code with interrupts on, else
 * atomic_reserve_refill only requests it (deferred work). */
static inline void refill_reserve_if_low(void)
{
    if (unlikely(atomic_reserve_is_low()))
        atomic_reserve_refill();
}

/* Threads waiting for memory are woken by frees: a load and a branch when nobody waits. */
static inline void wake_waiters_if_any(void)
{
    if (unlikely(READ_ONCE(page_alloc_waiters)))
        page_alloc_wake_waiters();
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
    wake_waiters_if_any();
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
    wake_waiters_if_any();
    return 0;
}

int free_pages(struct page *page, unsigned int order)
{
    if (order == 0)
        return free_page(page);
    return free_slow(page, order, arch_irq_save());
}

/* --- for the landing pads (mm/internal.h) ---------------------------------------------------- */

/* Frames taken for the pads and not yet pushed on them (or given back): changed with
 * interrupts off, on whichever CPU the refill runs (it may move between the two). */
static int64_t reserve_transit;

struct page *page_alloc_take_for_reserve(void)
{
    unsigned long flags = arch_irq_save();
    struct page *page = pool_take(this_cpu(), 0, 0);
    if (page) {
        page->state = PAGE_TRANSIT; /* on its way to the pads */
        page->order = 0;
        __atomic_add_fetch(&reserve_transit, 1, __ATOMIC_RELAXED);
    }
    arch_irq_restore(flags);
    return page;
}

void page_alloc_transit_ended(void)
{
    __atomic_sub_fetch(&reserve_transit, 1, __ATOMIC_RELAXED);
}

uint64_t page_alloc_reserve_transit(void)
{
    return (uint64_t)__atomic_load_n(&reserve_transit, __ATOMIC_RELAXED);
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
    page->owner = CONTEXT_NONE;
    hot_cache_put(&this_cpu()->cache, page);
    arch_irq_restore(flags);
    wake_waiters_if_any();
}

/* --- boot ------------------------------------------------------------------------------- */

static void add_free_range(uint64_t start, uint64_t end)
{
    mm_limits.managed += buddy_add_range(start, end);
}

#define WATERMARK_FLOOR 32 /* pages: 128 KiB, the least Linux's min_free_kbytes is */

static void set_watermarks(void)
{
    /* A small fraction of memory, as Linux's min_free_kbytes is: enough headroom for
     * interrupt handlers (and the atomic reserve's refills) when ordinary code runs dry. At
     * least 128 KiB - but never more than an eighth of memory, or with a few dozen pages
     * every ordinary allocation would fail. */
    uint64_t managed = mm_limits.managed;
    uint64_t floor = MIN((uint64_t)WATERMARK_FLOOR, managed / 8);
    uint64_t min = MIN(MAX(managed / 256, floor), 16384ul);
    if (floor < WATERMARK_FLOOR)
        printk("mm: only %lu pages (%lu KiB) to manage: too little to run well; min watermark "
               "%lu pages, not %d\n",
               managed, managed * (PAGE_SIZE >> 10), min, WATERMARK_FLOOR);
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
