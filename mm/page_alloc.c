/* mm/page_alloc.c - the buddy allocator and its per-CPU hot cache.
 *
 * Free memory is kept as blocks of 2^order frames, aligned to their size, on one free list
 * per order. Allocating splits a larger block when no block of the right order is free;
 * freeing merges a block with its "buddy" (the equal-sized neighbour it was split from,
 * found by flipping bit `order` of the frame number) as long as that buddy is free too. Both
 * take O(MAX_ORDER) steps and never scan memory.
 *
 * Order-0 requests, the common case, go through a small per-CPU array of free frames first
 * (the hot cache): a push or a pop with interrupts off, refilled from and drained to the
 * buddy lists in batches. Frames freed recently are handed out first, while still in cache.
 */
#include "mm/page_alloc.h"

#include <stdarg.h>

#include "arch/arch.h"
#include "lib/compiler.h"
#include "kernel/context.h"
#include "lib/errno.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "lib/string.h"
#include "mm/atomic_reserve.h"
#include "mm/boot_alloc.h"
#include "mm/exclusive.h"
#include "mm/internal.h"

#define HOT_CACHE_SIZE  256
#define HOT_CACHE_BATCH 32

#define POISON_WORD 0xaaaaaaaaaaaaaaaaull

struct free_area {
    uint32_t head;  /* frame number of the first free block, or PFN_NONE */
    uint64_t count; /* blocks on this list */
};

/* All of physical memory: Labyrinth has one zone. */
static struct {
    struct spinlock lock; /* guards the fields below and the links of free frames */
    struct free_area free_area[MAX_ORDER + 1];
    uint64_t free_pages; /* frames on the free lists */
} zone = {.lock = SPINLOCK_INIT("zone")};

/* Set once at boot, read-only afterwards. */
static uint64_t managed_pages;
static uint64_t watermark_min, watermark_low, watermark_high;
static bool poison_on_free;

/* One per CPU, touched only by its CPU with interrupts off: that, not a lock, protects it. */
struct cpu_pages {
    unsigned int count;                    /* frames in hot[] */
    unsigned int high;                     /* drain a batch when count goes above this */
    unsigned int batch;                    /* frames moved per refill or drain */
    uint64_t allocations, frees, failures; /* calls */
    /* Blocks from the pool: [0] outside interrupts, [1 + n] by IRQ line n's handlers. */
    uint64_t pool_taken_by[1 + ATOMIC_RESERVE_LINES];
    struct page *hot[HOT_CACHE_SIZE];
};

static struct cpu_pages cpu_pages[MAX_CPUS];

/* Frames whose PG_POISONED flag is set: when none are, allocations need not look. Changed
 * atomically, by whoever owns the frame whose flag changes. */
static uint64_t poisoned_frames;

/* Problems found; changed with interrupts off. */
static struct page_alloc_errors errors;

static struct cpu_pages *this_cpu(void)
{
    return &cpu_pages[arch_cpu_id()];
}

/* --- reporting ----------------------------------------------------------------------------------
 */

/* True when page points at a descriptor of the frame database. */
static inline __attribute__((always_inline)) bool is_descriptor(const struct page *page)
{
    uintptr_t address = (uintptr_t)page, base = (uintptr_t)frame_db;
    return address >= base && (address - base) % sizeof(struct page) == 0 &&
           frame_db_has((address - base) / sizeof(struct page));
}

void mm_report(uint64_t *counter, const char *function, const struct page *page, const char *fmt,
               ...)
{
    char message[160];
    va_list args;
    va_start(args, fmt);
    kvsnprintf(message, sizeof(message), fmt, args);
    va_end(args);
    (*counter)++;
    if (is_descriptor(page))
        printk("page_alloc: %s: frame %#lx: %s\n", function, page_to_phys(page), message);
    else
        printk("page_alloc: %s: descriptor %p: %s\n", function, (const void *)page, message);
}

/* --- buddy free lists (zone lock held)
 * ------------------------------------------------------------ */

static void list_add(struct free_area *area, struct page *page)
{
    uint32_t pfn = (uint32_t)page_to_pfn(page);
    page->prev = PFN_NONE;
    page->next = area->head;
    if (area->head != PFN_NONE)
        pfn_to_page(area->head)->prev = pfn;
    area->head = pfn;
    area->count++;
}

static void list_del(struct free_area *area, struct page *page)
{
    if (page->prev != PFN_NONE)
        pfn_to_page(page->prev)->next = page->next;
    else
        area->head = page->next;
    if (page->next != PFN_NONE)
        pfn_to_page(page->next)->prev = page->prev;
    area->count--;
}

static void free_block_add(struct page *page, unsigned int order)
{
    page->state = PAGE_FREE;
    page->order = (uint8_t)order;
    list_add(&zone.free_area[order], page);
    zone.free_pages += 1ul << order;
}

static void free_block_del(struct page *page, unsigned int order)
{
    list_del(&zone.free_area[order], page);
    zone.free_pages -= 1ul << order;
}

/* Takes a free block of exactly `order`, splitting a larger one if need be; the halves not
 * taken go back on the lists below. Returns NULL when nothing large enough is free. */
static struct page *buddy_take(unsigned int order)
{
    unsigned int found = order;
    while (found <= MAX_ORDER && zone.free_area[found].head == PFN_NONE)
        found++;
    if (found > MAX_ORDER)
        return NULL;
    struct page *page = pfn_to_page(zone.free_area[found].head);
    if (unlikely(page->state != PAGE_FREE || page->order != found))
        panic("page_alloc: free list %u holds frame %#lx in state %u order %u: memory "
              "corruption",
              found, page_to_phys(page), page->state, page->order);
    free_block_del(page, found);
    while (found > order) {
        found--;
        free_block_add(page + (1ul << found), found); /* the upper half stays free */
    }
    page->state = PAGE_TAIL; /* the caller gives it its new state */
    return page;
}

/* Puts a block back, merging it with its buddy for as long as the buddy is a free block of
 * the same order. Descriptors exist for whole 4 MiB blocks, so the buddy's always does. */
static void buddy_free(struct page *page, unsigned int order)
{
    uint64_t pfn = page_to_pfn(page);
    while (order < MAX_ORDER) {
        uint64_t buddy_pfn = pfn ^ (1ul << order);
        struct page *buddy = pfn_to_page(buddy_pfn);
        if (buddy->state != PAGE_FREE || buddy->order != order)
            break;
        free_block_del(buddy, order);
        buddy->state = PAGE_TAIL;
        page->state = PAGE_TAIL;
        pfn &= ~(1ul << order); /* the merged block starts at the lower of the two */
        page = pfn_to_page(pfn);
        order++;
    }
    free_block_add(page, order);
}

/* --- the hot cache (interrupts off)
 * --------------------------------------------------------------- */

static void hot_cache_refill(struct cpu_pages *cpu)
{
    spin_lock(&zone.lock);
    while (cpu->count < cpu->batch) {
        struct page *page = buddy_take(0);
        if (!page)
            break;
        page->state = PAGE_HOT;
        cpu->hot[cpu->count++] = page;
    }
    spin_unlock(&zone.lock);
}

/* Returns the oldest `count` frames of the cache to the buddy lists. */
static void hot_cache_drain(struct cpu_pages *cpu, unsigned int count)
{
    count = MIN(count, cpu->count);
    spin_lock(&zone.lock);
    for (unsigned int i = 0; i < count; i++)
        buddy_free(cpu->hot[i], 0);
    spin_unlock(&zone.lock);
    memmove(&cpu->hot[0], &cpu->hot[count], (cpu->count - count) * sizeof(cpu->hot[0]));
    cpu->count -= count;
}

static struct page *hot_cache_take(struct cpu_pages *cpu)
{
    if (cpu->count == 0)
        hot_cache_refill(cpu);
    if (cpu->count == 0)
        return NULL;
    return cpu->hot[--cpu->count];
}

static void hot_cache_put(struct cpu_pages *cpu, struct page *page)
{
    page->state = PAGE_HOT;
    cpu->hot[cpu->count++] = page;
    if (cpu->count > cpu->high)
        hot_cache_drain(cpu, cpu->batch);
}

/* --- allocation
 * ------------------------------------------------------------------------------------ */

static uint64_t free_now(const struct cpu_pages *cpu)
{
    return zone.free_pages + cpu->count;
}

/* Takes a block from the general pool, down to `floor` free frames. Interrupts off. */
static struct page *pool_take(struct cpu_pages *cpu, unsigned int order, uint64_t floor)
{
    if (free_now(cpu) < floor + (1ul << order))
        return NULL;
    if (order == 0)
        return hot_cache_take(cpu);
    spin_lock(&zone.lock);
    struct page *page = buddy_take(order);
    spin_unlock(&zone.lock);
    if (!page && cpu->count) {
        /* The missing buddies may be sitting in the hot cache: give them back, so they
         * merge, and look again. */
        hot_cache_drain(cpu, cpu->count);
        spin_lock(&zone.lock);
        page = buddy_take(order);
        spin_unlock(&zone.lock);
    }
    return page;
}

/* A block from the general pool, interrupts off: down to min, then (GFP_ATOMIC) below it. */
static struct page *take_block(struct cpu_pages *cpu, gfp_t gfp, unsigned int order)
{
    struct page *page = pool_take(cpu, order, watermark_min);
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

/* Returns the offset of the first byte of the frame that is not poison, or -1. */
static int poison_damage(const struct page *page)
{
    const uint64_t *words = page_address(page);
    for (unsigned int i = 0; i < PAGE_SIZE / 8; i++) {
        if (words[i] != POISON_WORD) {
            const uint8_t *bytes = (const uint8_t *)&words[i];
            int byte = 0;
            while (bytes[byte] == PAGE_POISON_BYTE)
                byte++;
            return (int)(i * 8) + byte;
        }
    }
    return -1;
}

/* Checks and clears the poison of every frame of a block that was poisoned when freed. */
static void check_poison(struct page *page, unsigned int order)
{
    /* Nothing poisoned anywhere (page_poison off, no EXCLUSIVE frame freed since): no need to
     * look at each of the 2^order descriptors. */
    if (!__atomic_load_n(&poisoned_frames, __ATOMIC_RELAXED))
        return;
    for (unsigned long i = 0; i < (1ul << order); i++) {
        struct page *frame = page + i;
        if (!(frame->flags & PG_POISONED))
            continue;
        int offset = poison_damage(frame);
        if (offset >= 0) {
            unsigned long flags = arch_irq_save();
            mm_report(&errors.poison_corrupted, "alloc_pages", frame,
                      "poison overwritten at offset %#x (found %#x, expected %#x): written "
                      "after it was freed",
                      offset, ((const uint8_t *)page_address(frame))[offset], PAGE_POISON_BYTE);
            arch_irq_restore(flags);
        }
        frame->flags &= (uint8_t)~PG_POISONED;
        __atomic_sub_fetch(&poisoned_frames, 1, __ATOMIC_RELAXED);
    }
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
    check_poison(page, order);
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
    if (likely(cpu->count && free > watermark_min))
        return finish_alloc(cpu, cpu->hot[--cpu->count], 0, gfp, line, flags);
    /* At min, GFP_ATOMIC takes a ready frame from the reserve, and only then digs below. */
    if ((gfp & __GFP_ATOMIC) && free <= watermark_min) {
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
        mm_report(&errors.not_allocated, function, page, "not a frame descriptor");
        return -EINVAL;
    }
    switch (page->state) {
    case PAGE_ALLOCATED:
        break;
    case PAGE_FREE:
    case PAGE_HOT:
    case PAGE_RESERVE:
        mm_report(&errors.double_free, function, page, "double free (the frame is already free)");
        return -EINVAL;
    case PAGE_RESERVED:
        mm_report(&errors.not_allocated, function, page, "frame not managed by the allocator");
        return -EINVAL;
    default:
        mm_report(&errors.not_allocated, function, page,
                  "not the first frame of an allocated block (freed twice, or a bad pointer?)");
        return -EINVAL;
    }
    if (page->order != order) {
        mm_report(&errors.wrong_order, function, page, "freed as order %u, allocated as order %u",
                  order, page->order);
        return -EINVAL;
    }
    return exclusive_check_free(page);
}

static void poison_block(struct page *page, unsigned int order)
{
    memset(page_address(page), PAGE_POISON_BYTE, PAGE_SIZE << order);
    for (unsigned long i = 0; i < (1ul << order); i++) {
        if (!(page[i].flags & PG_POISONED))
            __atomic_add_fetch(&poisoned_frames, 1, __ATOMIC_RELAXED);
        page[i].flags |= PG_POISONED;
    }
}

/* Gives a checked block back to the hot cache or the buddy lists. Interrupts off. */
static void release_frames(struct cpu_pages *cpu, struct page *page, unsigned int order)
{
    page->flags &= PG_POISONED;
    page->owner = 0;
    cpu->frees++;
    if (order == 0) {
        hot_cache_put(cpu, page);
        return;
    }
    spin_lock(&zone.lock);
    buddy_free(page, order);
    spin_unlock(&zone.lock);
}

/* Frees a checked block, poisoning it first when asked or when it was EXCLUSIVE. */
static void free_checked(struct page *page, unsigned int order, unsigned long flags)
{
    if (!poison_on_free && !(page->flags & PG_EXCLUSIVE)) {
        release_frames(this_cpu(), page, order);
        arch_irq_restore(flags);
        return;
    }
    /* Poison with interrupts on: the block is in transit (PAGE_TAIL), so a second free of it
     * meanwhile is refused as "not allocated". */
    page->state = PAGE_TAIL;
    arch_irq_restore(flags);
    poison_block(page, order);
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
                 poison_on_free))
        return free_slow(page, 0, flags);
    struct cpu_pages *cpu = this_cpu();
    cpu->frees++;
    hot_cache_put(cpu, page);
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
    check_poison(page, 0);
    memset(page_address(page), 0, PAGE_SIZE);
}

void page_alloc_return_to_pool(struct page *page)
{
    unsigned long flags = arch_irq_save();
    page->flags = 0;
    hot_cache_put(this_cpu(), page);
    arch_irq_restore(flags);
}

/* --- boot
 * -------------------------------------------------------------------------------------------- */

/* Hands [start, end) to the buddy lists as the largest aligned blocks that fit. Boot only. */
static void add_free_range(uint64_t start, uint64_t end)
{
    uint64_t pfn = start >> PAGE_SHIFT, end_pfn = end >> PAGE_SHIFT;
    while (pfn < end_pfn) {
        unsigned int order = MAX_ORDER;
        while ((pfn & ((1ul << order) - 1)) || pfn + (1ul << order) > end_pfn)
            order--;
        for (uint64_t tail = pfn + 1; tail < pfn + (1ul << order); tail++)
            pfn_to_page(tail)->state = PAGE_TAIL;
        free_block_add(pfn_to_page(pfn), order);
        managed_pages += 1ul << order;
        pfn += 1ul << order;
    }
}

static void set_watermarks(void)
{
    /* A small fraction of memory, as Linux's min_free_kbytes is: enough headroom for
     * interrupt handlers (and the atomic reserve's refills) when ordinary code runs dry. */
    watermark_min = MIN(MAX(managed_pages / 256, 32ul), 16384ul);
    watermark_low = watermark_min + watermark_min / 4;
    watermark_high = watermark_min + watermark_min / 2;
}

void page_alloc_init(const struct memmap *map, bool poison)
{
    for (unsigned int order = 0; order <= MAX_ORDER; order++)
        zone.free_area[order] = (struct free_area){PFN_NONE, 0};
    zone.free_pages = 0;
    managed_pages = 0;
    frame_db_init(map);
    boot_alloc_release(add_free_range);
    set_watermarks();
    poison_on_free = poison;
    for (unsigned int i = 0; i < MAX_CPUS; i++)
        cpu_pages[i] =
                (struct cpu_pages){.high = PAGE_ALLOC_HOT_CACHE_HIGH, .batch = HOT_CACHE_BATCH};
    errors = (struct page_alloc_errors){0};
}

/* --- figures
 * ------------------------------------------------------------------------------------------ */

uint64_t page_alloc_unallocated_count(void)
{
    unsigned long flags = arch_irq_save();
    uint64_t count = page_alloc_free_count() + atomic_reserve_level();
    arch_irq_restore(flags);
    return count;
}

uint64_t page_alloc_free_count(void)
{
    unsigned long flags = arch_irq_save();
    uint64_t free = zone.free_pages;
    for (unsigned int i = 0; i < MAX_CPUS; i++)
        free += cpu_pages[i].count;
    arch_irq_restore(flags);
    return free;
}

void page_alloc_drain_hot_cache(void)
{
    unsigned long flags = arch_irq_save();
    struct cpu_pages *cpu = this_cpu();
    hot_cache_drain(cpu, cpu->count);
    arch_irq_restore(flags);
}

void page_alloc_set_poison(bool on)
{
    poison_on_free = on;
}

void page_alloc_get_stats(struct page_alloc_stats *stats)
{
    unsigned long flags;
    spin_lock_irqsave(&zone.lock, &flags);
    *stats = (struct page_alloc_stats){
            .managed = managed_pages,
            .free = zone.free_pages,
            .watermark_min = watermark_min,
            .watermark_low = watermark_low,
            .watermark_high = watermark_high,
            .poison = poison_on_free,
    };
    for (unsigned int order = 0; order <= MAX_ORDER; order++)
        stats->free_blocks[order] = zone.free_area[order].count;
    for (unsigned int i = 0; i < MAX_CPUS; i++) {
        stats->hot_cache += cpu_pages[i].count;
        stats->allocations += cpu_pages[i].allocations;
        stats->frees += cpu_pages[i].frees;
        stats->failures += cpu_pages[i].failures;
    }
    spin_unlock_irqrestore(&zone.lock, flags);
    stats->free += stats->hot_cache;
    stats->reserve = atomic_reserve_level();
    stats->allocated = stats->managed - stats->free - stats->reserve;
}

uint64_t page_alloc_taken_by_line(int line)
{
    if (line < 0 || line >= ATOMIC_RESERVE_LINES)
        return 0;
    unsigned long flags = arch_irq_save();
    uint64_t taken = 0;
    for (unsigned int i = 0; i < MAX_CPUS; i++)
        taken += reserves[i].taken_by[1 + line];
    for (unsigned int i = 0; i < MAX_CPUS; i++)
        taken += cpu_pages[i].pool_taken_by[1 + line];
    arch_irq_restore(flags);
    return taken;
}

void page_alloc_get_errors(struct page_alloc_errors *out)
{
    unsigned long flags = arch_irq_save();
    *out = errors;
    arch_irq_restore(flags);
}

void page_alloc_print_stats(void)
{
    struct page_alloc_stats s;
    page_alloc_get_stats(&s);
    printk("page_alloc: managed %lu pages (%lu MiB), free %lu, allocated %lu, in the atomic "
           "reserve %lu\n",
           s.managed, s.managed >> (20 - PAGE_SHIFT), s.free, s.allocated, s.reserve);
    printk("page_alloc: hot cache %lu of %u; watermarks min %lu low %lu high %lu; poison %s\n",
           s.hot_cache, PAGE_ALLOC_HOT_CACHE_HIGH, s.watermark_min, s.watermark_low,
           s.watermark_high, s.poison ? "on" : "off");
    char line[160];
    int length = ksnprintf(line, sizeof(line), "page_alloc: free blocks by order:");
    for (unsigned int order = 0; order <= MAX_ORDER; order++)
        length += ksnprintf(line + length, sizeof(line) - (size_t)length, " %u:%lu", order,
                            s.free_blocks[order]);
    printk("%s\n", line);
    printk("page_alloc: %lu allocations, %lu frees, %lu failed\n", s.allocations, s.frees,
           s.failures);
}
